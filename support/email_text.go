package support

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/htmlindex"
)

// Text of e-mail headers and bodies: encoded words, charsets, HTML, clean lines,
// reply markers and ticket numbers.

// parseSender reads the From header; a header net/mail refuses (a bad encoded word in
// the name, say) still gives its address.
func parseSender(dec *mime.WordDecoder, v string) (mail.Address, bool) {
	if from, err := (&mail.AddressParser{WordDecoder: dec}).ParseList(v); err == nil && len(from) > 0 && from[0].Address != "" {
		return *from[0], true
	}
	m := looseAddr.FindStringSubmatchIndex(v)
	if m == nil {
		return mail.Address{}, false
	}
	a := mail.Address{Address: v[m[2]:m[3]]}
	if _, err := mail.ParseAddress(a.Address); err != nil {
		return mail.Address{}, false
	}
	a.Name = strings.Trim(strings.TrimSpace(decodeHeader(dec, v[:m[0]])), `"`)
	return a, true
}

var looseAddr = regexp.MustCompile(`<?([^\s<>"@]+@[^\s<>"@]+\.[^\s<>"@]+)>?`)

// decodeHeader decodes RFC 2047 encoded words; words the standard decoder refuses
// (clients put raw UTF-8 into Q words, "=?UTF-8?Q?Tablet_virker_ikke_–_…?=") are
// decoded leniently, and what cannot be decoded at all stays as it came.
func decodeHeader(dec *mime.WordDecoder, v string) string {
	out, err := dec.DecodeHeader(v)
	if err != nil {
		out = v
	}
	if !strings.Contains(out, "=?") {
		return out
	}
	return looseWord.ReplaceAllStringFunc(out, func(w string) string {
		m := looseWord.FindStringSubmatch(w)
		var b []byte
		if strings.EqualFold(m[2], "B") {
			d, err := base64.StdEncoding.DecodeString(m[3])
			if err != nil {
				return w
			}
			b = d
		} else {
			b = looseQ(m[3])
		}
		return toUTF8(b, m[1])
	})
}

var looseWord = regexp.MustCompile(`=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=`)

// looseQ undoes Q encoding, keeping any byte that is not an escape as it is.
func looseQ(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// charsetReader converts text in charset to UTF-8 for the word decoder.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", charset, err)
	}
	return enc.NewDecoder().Reader(r), nil
}

// toUTF8 converts a body in charset to valid UTF-8; an unknown charset is read as
// UTF-8 with bad bytes replaced.
func toUTF8(b []byte, charset string) string {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" {
		if r, err := charsetReader(cs, bytes.NewReader(b)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				b = out
			}
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// htmlText returns the text of an HTML body: script and style left out, a line break
// for every block element.
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
				b.WriteByte(' ')
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tn, _ := z.TagName()
			switch string(tn) {
			case "script", "style", "head":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table":
				b.WriteByte('\n')
			}
		}
	}
}

// cleanText makes a body fit for a comment: valid UTF-8, LF line ends, no control
// characters but newline and tab, no trailing spaces, at most three blank lines in a
// row, and at most MaxComment characters.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	s = strings.TrimSpace(manyBlank.ReplaceAllString(strings.Join(lines, "\n"), "\n\n\n"))
	if utf8.RuneCountInString(s) > MaxComment {
		s = string([]rune(s)[:MaxComment-1]) + "…"
	}
	return s
}

var manyBlank = regexp.MustCompile(`\n{4,}`)

// cleanLine makes a header value fit for one line: no control characters, single
// spaces.
func cleanLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

func fileName(names ...string) string {
	dec := &mime.WordDecoder{CharsetReader: charsetReader}
	for _, n := range names {
		if n == "" {
			continue
		}
		n = decodeHeader(dec, n)
		if n = cleanLine(cleanFilename(n)); n != "" {
			if r := []rune(n); len(r) > maxAttachmentNameLen {
				n = string(r[len(r)-maxAttachmentNameLen:])
			}
			return n
		}
	}
	return ""
}

func defaultName(ctype string) string {
	switch ctype {
	case "message/rfc822":
		return "message.eml"
	case "text/html":
		return "message.html"
	}
	return "attachment"
}

func orName(name, ctype string) string {
	if name != "" {
		return name
	}
	return ctype
}

// replyPrefix matches the reply and forward markers of common mail clients, Danish
// and German Outlook's included.
var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|sv|aw|fw|fwd|vs|wg|tr)\s*(\[\d+\])?\s*:\s*)+`)

// ticketRef finds a ticket number in a subject, bracketed or not.
var ticketRef = regexp.MustCompile(`(?i)\bT-(\d{4})-(\d{6,12})\b`)

// threadNumber returns the ticket number a subject refers to, or "".
func threadNumber(subject string) string {
	m := ticketRef.FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	return "T-" + m[1] + "-" + m[2]
}

// newSubject is the subject of a ticket opened by an e-mail: without reply markers,
// at most MaxSubject characters.
func newSubject(s string) string {
	s = strings.TrimSpace(replyPrefix.ReplaceAllString(s, ""))
	if s == "" {
		return "(no subject)"
	}
	if r := []rune(s); len(r) > MaxSubject {
		s = string(r[:MaxSubject])
	}
	return s
}
