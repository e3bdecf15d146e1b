package upstream

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// ReadBody reads resp's body into buf (a new buffer when nil), at most
// limit bytes: one more tells a body over the limit, which is an *Error
// with ReasonTooLarge. The buffer is sized from Content-Length when the
// server sent one, and a Content-Length over the limit fails before
// reading. The size is that of the decoded body: a gzip answer is
// decompressed by the client's transport first, so a small bomb cannot
// expand past the limit in memory.
func ReadBody(resp *http.Response, limit int64, buf *bytes.Buffer) (*bytes.Buffer, error) {
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if resp.ContentLength > limit {
		return buf, &Error{Reason: ReasonTooLarge, Status: resp.StatusCode,
			Err: fmt.Errorf("Content-Length %d exceeds the limit of %d bytes: %w", resp.ContentLength, limit, ErrTooLarge)}
	}
	if n := resp.ContentLength; n > 0 {
		buf.Grow(int(min(n, limit)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return buf, err
	}
	if int64(buf.Len()) > limit {
		return buf, &Error{Reason: ReasonTooLarge, Status: resp.StatusCode,
			Err: fmt.Errorf("body exceeds the limit of %d bytes: %w", limit, ErrTooLarge)}
	}
	return buf, nil
}

// Snippet is the start of an error body, printable and short, for a log
// line: Yahoo's 429 says "Too Many Requests" in plain text, SEC's 403
// names its policy. HTML is reduced to its text.
func Snippet(body []byte) string {
	const max = 120
	s := collapse(textOf(body[:min(len(body), 512)]))
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// textOf is body without markup when it looks like HTML (an error page),
// else body itself: a plain-text answer keeps its angle brackets.
func textOf(body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '<' || bytes.HasPrefix(trimmed, []byte("<?xml")) && !bytes.Contains(trimmed, []byte("<html")) {
		return string(body)
	}
	var b strings.Builder
	z := html.NewTokenizer(bytes.NewReader(body))
	skip := 0 // inside <script> or <style>
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken:
			if name, _ := z.TagName(); string(name) == "script" || string(name) == "style" {
				skip++
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); (string(name) == "script" || string(name) == "style") && skip > 0 {
				skip--
			}
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		}
	}
}

// collapse folds runs of white space and control characters into one space.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
}
