package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxUnescapePasses bounds how often cleanText and cleanHTML re-read text
// that still looks like markup. Two covers feeds that escape their HTML
// twice (&amp;lt;b&amp;gt;, &amp;nbsp;); the third pass is slack for one
// more layer, and the bound keeps hostile input from looping.
const maxUnescapePasses = 3

// cleanText turns a field that is text by declaration or by default (a
// title, a publisher, an RSS description, a JSON Feed summary) into clean
// text: entities decoded, whitespace collapsed to single spaces. Markup is
// removed only when the text is plainly HTML (see looksLikeHTML), as feeds
// that put HTML in their titles send it: a headline such as "x<y and y>z
// rises" keeps its angle brackets, which every place that renders it
// escapes (html/template on the status page, the Slack escaper).
func cleanText(s string) string {
	for i := 0; i < maxUnescapePasses && strings.ContainsAny(s, "<&"); i++ {
		var next string
		if looksLikeHTML(s) {
			next = stripHTML(s)
		} else {
			next = html.UnescapeString(s)
		}
		if next == s {
			break
		}
		s = next
	}
	return collapseSpace(s)
}

// cleanHTML is cleanText for a field declared HTML (RSS content:encoded,
// an Atom text construct of type html or xhtml, JSON Feed content_html,
// EDGAR's summary): its markup is removed whatever it looks like, as a
// browser would read it.
func cleanHTML(s string) string {
	for i := 0; i < maxUnescapePasses && strings.ContainsAny(s, "<&"); i++ {
		next := stripHTML(s)
		if next == s {
			break
		}
		s = next
	}
	return collapseSpace(s)
}

// looksLikeHTML reports whether text not declared HTML plainly is HTML: it
// holds the end tag of an HTML element (</b>, </p>), a void element (<br>,
// <img ...>), or a start tag whose attributes have values (<a href="...">).
// A lone "<b>" or "a<b and c>d" does not count: those are how plain text
// uses angle brackets, and "<!channel>" (a comment to a tokenizer) is not
// markup either.
func looksLikeHTML(s string) bool {
	if !strings.Contains(s, "<") {
		return false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) != 0 {
				return true
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			if atom.Lookup(name) == 0 {
				continue
			}
			if voidTags[string(name)] {
				return true
			}
			valued := more
			for more {
				var val []byte
				_, val, more = z.TagAttr()
				valued = valued && len(val) > 0
			}
			if valued {
				return true
			}
		}
	}
}

// voidTags are elements without an end tag that feeds put in text.
var voidTags = map[string]bool{"br": true, "hr": true, "img": true, "wbr": true}

// blockTags are elements whose boundaries separate words; inline elements
// (b, i, a, span, font) do not, so "rare <b>earth</b>" keeps its space and
// "ear<b>th</b>" stays one word.
var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true,
	"dd": true, "div": true, "dl": true, "dt": true, "figcaption": true, "figure": true,
	"footer": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"header": true, "hr": true, "img": true, "li": true, "ol": true, "p": true, "pre": true,
	"section": true, "table": true, "td": true, "th": true, "tr": true, "ul": true,
}

// stripHTML removes one layer of markup: text tokens are kept with their
// entities decoded, tags are dropped (block tags become a space), and the
// contents of script and style elements are discarded.
func stripHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case n == "script" || n == "style":
				skip++
			case blockTags[n]:
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case (n == "script" || n == "style") && skip > 0:
				skip--
			case blockTags[n]:
				b.WriteByte(' ')
			}
		}
	}
}

// collapseSpace trims s and folds every run of Unicode white space
// (including the no-break spaces &nbsp; leaves behind) into one space. It
// also drops control characters and invalid UTF-8.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b':
			space = b.Len() > 0
			continue
		case unicode.IsControl(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// publisherSeparators are what aggregators put between a headline and the
// publisher they append to it.
var publisherSeparators = []string{" - ", " – ", " — ", " | "}

// stripPublisher removes a trailing " - Publisher" from title when it names
// publisher (compared without case). With an empty publisher and guess set
// (a Google News item without <source>), it removes the last " - X" segment
// when X is short enough to be a publisher's name.
func stripPublisher(title, publisher string, guess bool) string {
	for _, sep := range publisherSeparators {
		i := strings.LastIndex(title, sep)
		if i <= 0 {
			continue
		}
		tail := strings.TrimSpace(title[i+len(sep):])
		switch {
		case publisher != "" && strings.EqualFold(tail, strings.TrimSpace(publisher)):
			return strings.TrimSpace(title[:i])
		case publisher == "" && guess && tail != "" && len(strings.Fields(tail)) <= 5:
			return strings.TrimSpace(title[:i])
		}
	}
	return title
}

// fingerprint is a headline reduced to what survives re-publication: lower
// case, apostrophes dropped, "&" read as "and", every other run of
// punctuation and space made one space, a wire's RETRANSMISSION mark
// dropped (see foldRetransmission). "MP Materials' Q3: Record NdPr
// Output." and "MP Materials Q3 record NdPr output" share it.
func fingerprint(title string) string {
	var b strings.Builder
	b.Grow(len(title))
	space := false
	for _, r := range title {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == 'ʼ' || r == '`':
			continue
		case r == '&':
			// "Rare Earths & Magnets" and "Rare Earths and Magnets" are
			// the same headline edited by two desks.
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("and")
			space = true
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return foldRetransmission(title, b.String())
}

// foldRetransmission drops the mark a wire puts on a release it sends
// again ("RETRANSMISSION: Ucore Announces ...", "... - RETRANSMISSION",
// "(RETRANSMISSION) ..."): Newsfile's rare-earth juniors resend releases
// that way, and the resent one is the same story. fp is title's
// fingerprint, where the mark is a first or last word. Only the wires'
// upper-case mark counts, so a headline about retransmission fees keeps its
// word.
func foldRetransmission(title, fp string) string {
	const mark = "retransmission"
	if !strings.Contains(title, "RETRANSMISSION") {
		return fp
	}
	if rest, ok := strings.CutPrefix(fp, mark+" "); ok {
		return rest
	}
	if rest, ok := strings.CutSuffix(fp, " "+mark); ok {
		return rest
	}
	return fp
}

// minFingerprintWords is the fewest words a headline needs before it is
// trusted to identify a story across sources: "Press release" or "8-K"
// would otherwise fold unrelated items together.
const minFingerprintWords = 3

// storyID derives a story's id from its dedup key, so every replica (and
// every shard) that sees the story names it the same way.
func storyID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
