package alert

import (
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Limits on untrusted pieces inside a Slack block.
const (
	// slackMaxTitle bounds a headline's label.
	slackMaxTitle = 500
	// slackMaxURL bounds a link target; a longer URL is shown unlinked.
	slackMaxURL = 1500
)

// slackEscape makes untrusted text inert in Slack text objects. Slack
// parses &, < and > as control characters (<!channel>, <@U123>,
// <url|label>), so they become entities, which is Slack's own rule; and
// the bare broadcast words @channel, @here and @everyone get a word joiner
// after the @, so no client or legacy parse mode can turn a headline into a
// ping. Nothing else is touched: *bold* in a headline stays harmless text.
func slackEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '@':
			b.WriteByte(c)
			rest := strings.ToLower(s[i+1:])
			for _, w := range []string{"channel", "here", "everyone"} {
				if strings.HasPrefix(rest, w) {
					b.WriteString("\u2060")
					break
				}
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// slackLink returns <url|label> for an http(s) URL, or "" for anything else
// (javascript:, relative, unparsable, absurdly long). The URL is
// re-serialised and the characters that would end the link early are
// percent-encoded, so a hostile URL cannot forge a second link; the label is
// escaped and clipped.
func slackLink(raw, label string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	s := u.String()
	if len(s) > slackMaxURL {
		return ""
	}
	s = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(s)
	return "<" + s + "|" + clip(slackEscape(label), slackMaxTitle) + ">"
}

// clip shortens escaped Slack text to max characters, counted as UTF-16
// code units as Slack's limits are, ending with "…". It never cuts inside
// an entity (&amp;) or a link (<url|label>): it backs off to before them.
func clip(s string, limit int) string {
	if width(s) <= limit {
		return s
	}
	budget := limit - 1 // room for the ellipsis
	n, cut := 0, 0
	for cut < len(s) {
		r, size := utf8.DecodeRuneInString(s[cut:])
		w := max(utf16.RuneLen(r), 1)
		if n+w > budget {
			break
		}
		n += w
		cut += size
	}
	out := s[:cut]
	if i := strings.LastIndexByte(out, '&'); i >= 0 && !strings.Contains(out[i:], ";") {
		out = out[:i]
	}
	if i := strings.LastIndexByte(out, '<'); i >= 0 && !strings.Contains(out[i:], ">") {
		out = out[:i]
	}
	return out + "…"
}

// width is the length of s in UTF-16 code units.
func width(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}
