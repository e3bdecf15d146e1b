package feeds

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	gounicode "unicode"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF16LE = []byte{0xFF, 0xFE}
)

// reDecl matches an XML declaration and captures its encoding label.
var reDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["'][^>]*\?>`)

// toUTF8 returns body as UTF-8 without a byte-order mark, whatever the feed
// declared, so the parsers behind it never convert twice. The source
// encoding is chosen, in order, from:
//
//  1. a UTF-16 byte-order mark;
//  2. the bytes themselves when they are valid UTF-8, whatever the XML
//     declaration or Content-Type claims: mislabelled UTF-8 (a
//     windows-1252 or "invalid" prolog over UTF-8 text) is the most common
//     mistake, and Latin-1 text is almost never valid UTF-8 by accident;
//  3. the XML declaration's encoding label;
//  4. the Content-Type charset;
//  5. windows-1252, a superset of Latin-1's printable range, for the
//     undeclared legacy feeds.
//
// The XML declaration, if any, is rewritten to say UTF-8. Characters XML
// 1.0 forbids (stray control bytes) are dropped, because encoding/xml stops
// at the first one.
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, bomUTF8):
		body = body[len(bomUTF8):]
	case bytes.HasPrefix(body, bomUTF16BE):
		body = decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body)
	case bytes.HasPrefix(body, bomUTF16LE):
		body = decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), body)
	}
	declared := ""
	if m := reDecl.FindSubmatchIndex(head(body)); m != nil {
		declared = string(body[m[2]:m[3]])
	}
	if !utf8.Valid(body) {
		body = decodeWith(pickEncoding(declared, contentType), body)
	}
	if declared != "" && !strings.EqualFold(declared, "utf-8") {
		if m := reDecl.FindSubmatchIndex(head(body)); m != nil {
			out := make([]byte, 0, len(body))
			out = append(out, body[:m[2]]...)
			out = append(out, "UTF-8"...)
			body = append(out, body[m[3]:]...)
		}
	}
	return dropInvalidXMLChars(body)
}

// head is the part of body an XML declaration must sit in.
func head(body []byte) []byte {
	if len(body) > 512 {
		return body[:512]
	}
	return body
}

// pickEncoding chooses how to read bytes that are not UTF-8.
func pickEncoding(declared, contentType string) encoding.Encoding {
	for _, label := range []string{declared, contentCharset(contentType)} {
		if label == "" || strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			continue
		}
		if enc, _ := charset.Lookup(label); enc != nil {
			return enc
		}
	}
	return charmap.Windows1252
}

func contentCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// decodeWith converts b to UTF-8, falling back to windows-1252 when the
// chosen decoder rejects the bytes (the decoders used here replace rather
// than fail, so this is belt and braces).
func decodeWith(enc encoding.Encoding, b []byte) []byte {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		out, _ = charmap.Windows1252.NewDecoder().Bytes(b)
	}
	return out
}

// dropInvalidXMLChars removes runes outside XML 1.0's Char production and
// invalid UTF-8 sequences. It returns b itself when nothing needs removing.
func dropInvalidXMLChars(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if !isXMLChar(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if isXMLChar(r, n) {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func isXMLChar(r rune, size int) bool {
	if r == utf8.RuneError && size <= 1 {
		return false
	}
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// htmlToUTF8 returns an HTML page as UTF-8. The page's encoding is chosen,
// in order, from:
//
//  1. a byte-order mark;
//  2. the bytes themselves when they are valid UTF-8 (as for feeds: a GBK
//     page is never valid UTF-8 by accident, a mislabelled UTF-8 page is
//     common);
//  3. the Content-Type charset, then the page's own declaration (<meta
//     charset> or http-equiv, in its first 1024 bytes), unless either
//     claims the UTF-8 the bytes are not;
//  4. GB 18030 (a superset of GBK and GB 2312), when the bytes read as
//     Chinese text without a fault: a ministry page that declares nothing;
//  5. windows-1252.
func htmlToUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, bomUTF8):
		return body[len(bomUTF8):]
	case bytes.HasPrefix(body, bomUTF16BE):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), body)
	case bytes.HasPrefix(body, bomUTF16LE):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), body)
	case utf8.Valid(body):
		return body
	}
	for _, label := range []string{contentCharset(contentType), declaredCharset(body)} {
		if label == "" || strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
			continue
		}
		if enc, _ := charset.Lookup(label); enc != nil {
			return decodeWith(enc, body)
		}
	}
	if readsAsChinese(body) {
		return decodeWith(simplifiedchinese.GB18030, body)
	}
	return decodeWith(charmap.Windows1252, body)
}

// declaredCharset returns the encoding a page's <meta> declares, or "".
func declaredCharset(body []byte) string {
	_, name, _ := charset.DetermineEncoding(body, "")
	// Without a declaration DetermineEncoding guesses windows-1252; only
	// a page that says "charset" where it looks (the first 1024 bytes)
	// declared it.
	prescan := body[:min(len(body), 1024)]
	if name == "windows-1252" && !bytes.Contains(bytes.ToLower(prescan), []byte("charset")) {
		return ""
	}
	return name
}

// readsAsChinese reports whether b decodes as GB 18030 without a
// replacement character and mostly into Han characters: Latin-1 or
// windows-1252 text rarely does both.
func readsAsChinese(b []byte) bool {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return false
	}
	han, other := 0, 0
	for _, r := range string(out) {
		switch {
		case r == utf8.RuneError:
			return false
		case r < utf8.RuneSelf:
		case gounicode.Is(gounicode.Han, r):
			han++
		default:
			other++
		}
	}
	return han >= 2 && han > other
}
