package feeds

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/config"
)

// billionLaughs declares ten levels of entities, each ten of the one
// below: expanded, &lol9; would be a billion "lol"s (3 GB).
func billionLaughs(root string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	for i := 1; i <= 9; i++ {
		prev := "lol"
		if i > 1 {
			prev = fmt.Sprintf("lol%d", i-1)
		}
		fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
	}
	b.WriteString(`]>`)
	b.WriteString(root)
	return b.String()
}

// TestHostileXML: feeds are third parties. An entity bomb (the billion
// laughs) is not expanded, and an external entity (XXE) is never read:
// whatever each parser makes of such a body, it does so quickly, with
// short text, and without the content of a local file.
func TestHostileXML(t *testing.T) {
	secret := t.TempDir() + "/secret.txt"
	if err := os.WriteFile(secret, []byte("TOPSECRET-LOCAL-FILE"), 0o600); err != nil {
		t.Fatal(err)
	}
	rss := `<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>%s rare earth</title><link>https://x.example.com/1</link><description>%s</description></item></channel></rss>`
	atom := `<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:1</id><title>%s rare earth</title><link href="https://x.example.com/1"/><summary>%s</summary></entry></feed>`
	edgar := `<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>8-K %s</title><id>urn:tag:sec.gov,2008:accession-number=0001801368-26-000051</id><summary type="html">%s</summary><content type="text/xml"><accession-number>0001801368-26-000051</accession-number><filing-type>8-K</filing-type></content></entry></feed>`
	xxe := func(root string) string {
		return `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://` + secret + `">]>` + root
	}
	for _, tc := range []struct {
		name, typ, body string
	}{
		{"billion laughs rss", config.FeedRSS, billionLaughs(fmt.Sprintf(rss, "&lol9;", "&lol9;"))},
		{"billion laughs atom", config.FeedRSS, billionLaughs(fmt.Sprintf(atom, "&lol9;", "&lol9;"))},
		{"billion laughs edgar", config.FeedEDGAR, billionLaughs(fmt.Sprintf(edgar, "&lol9;", "&lol9;"))},
		{"xxe rss", config.FeedRSS, xxe(fmt.Sprintf(rss, "&xxe;", "&xxe;"))},
		{"xxe atom", config.FeedRSS, xxe(fmt.Sprintf(atom, "&xxe;", "&xxe;"))},
		{"xxe edgar", config.FeedEDGAR, xxe(fmt.Sprintf(edgar, "&xxe;", "&xxe;"))},
		{"xxe globenewswire", config.FeedGlobeNewswire, xxe(fmt.Sprintf(rss, "&xxe;", "&xxe;"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			items, err := Parse(tc.typ, []byte(tc.body), "")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("parsing took %v", d)
			}
			if err != nil || len(items) != 1 {
				t.Fatalf("got %d items, %v; want the one item, its entity left as text", len(items), err)
			}
			for _, it := range items {
				for _, s := range []string{it.Title, it.Summary} {
					if len(s) > 2000 || strings.Contains(s, "lollollol") {
						t.Errorf("an entity was expanded: %d bytes, %.80q", len(s), s)
					}
					if strings.Contains(s, "TOPSECRET") {
						t.Errorf("an external entity was read: %q", s)
					}
				}
			}
		})
	}
}
