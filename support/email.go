package support

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// MaxEmailSize bounds a raw message IngestEmail reads.
const MaxEmailSize = 25 << 20

// Limits of the MIME walk: a message nests and splits only so far.
const (
	maxMailDepth = 8
	maxMailParts = 64
)

// parsedMail is what the call centre keeps of an e-mail.
type parsedMail struct {
	From        mail.Address
	Subject     string
	MessageID   string
	Text        string
	Attachments []mailFile
	Dropped     []string // files left out, with why
}

type mailFile struct {
	Name string
	Data []byte
}

var errNoSender = errors.New("no sender address (From)")

// parseMail reads a raw RFC 5322 message: sender and subject (RFC 2047 encoded words in
// any charset x/text knows), the text body (text/plain preferred, HTML turned into text
// otherwise; quoted-printable and base64 undone; converted to UTF-8), and its files. It
// returns an error only for a message it cannot read at all, or one without a sender.
func parseMail(raw []byte) (*parsedMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	dec := &mime.WordDecoder{CharsetReader: charsetReader}
	sender, ok := parseSender(dec, msg.Header.Get("From"))
	if !ok {
		return nil, errNoSender
	}
	pm := &parsedMail{From: sender}
	pm.From.Address = strings.ToLower(pm.From.Address)
	pm.From.Name = cleanLine(pm.From.Name)
	pm.Subject = cleanLine(decodeHeader(dec, msg.Header.Get("Subject")))
	pm.MessageID = cleanLine(strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>"))
	if len(pm.MessageID) > 300 {
		pm.MessageID = ""
	}
	w := &mailWalk{pm: pm}
	w.entity(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	pm.Text = cleanText(w.text())
	return pm, nil
}

// mailWalk collects the bodies and files of a message's MIME tree.
type mailWalk struct {
	pm          *parsedMail
	plain, html []string
	parts       int
}

func (w *mailWalk) text() string {
	if len(w.plain) > 0 {
		return strings.Join(w.plain, "\n\n")
	}
	out := make([]string, len(w.html))
	for i, h := range w.html {
		out[i] = htmlText(h)
	}
	return strings.Join(out, "\n\n")
}

// entity handles one MIME entity: a multipart recurses, a text part in line is body,
// anything else (or anything named as a file) is an attachment.
func (w *mailWalk) entity(h textproto.MIMEHeader, body io.Reader, depth int) {
	w.parts++
	if w.parts > maxMailParts || depth > maxMailDepth {
		w.pm.Dropped = append(w.pm.Dropped, "parts beyond the limit of the message's structure")
		return
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || ctype == "" {
		ctype, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(ctype, "multipart/") {
		w.multipart(body, params["boundary"], depth)
		return
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := fileName(dparams["filename"], params["name"])
	data, err := io.ReadAll(io.LimitReader(transferDecoder(h.Get("Content-Transfer-Encoding"), body), MaxAttachmentSize+1))
	if err != nil && len(data) == 0 {
		w.pm.Dropped = append(w.pm.Dropped, fmt.Sprintf("%s: unreadable (%v)", orName(name, ctype), err))
		return
	}
	isText := ctype == "text/plain" || ctype == "text/html"
	if isText && disp != "attachment" && name == "" {
		s := toUTF8(data, params["charset"])
		if ctype == "text/plain" {
			w.plain = append(w.plain, s)
		} else {
			w.html = append(w.html, s)
		}
		return
	}
	if name == "" {
		name = defaultName(ctype)
	}
	if len(data) > MaxAttachmentSize {
		w.pm.Dropped = append(w.pm.Dropped, fmt.Sprintf("%s: larger than %d bytes", name, MaxAttachmentSize))
		return
	}
	w.pm.Attachments = append(w.pm.Attachments, mailFile{Name: name, Data: data})
}

// multipart walks the parts of a multipart body; of multipart/alternative the walk
// keeps text/plain when there is one (text() prefers it) and HTML otherwise.
func (w *mailWalk) multipart(body io.Reader, boundary string, depth int) {
	if boundary == "" {
		w.pm.Dropped = append(w.pm.Dropped, "a multipart part without a boundary")
		return
	}
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextRawPart() // raw: this walk undoes the transfer encoding itself
		if err == io.EOF {
			return
		}
		if err != nil {
			w.pm.Dropped = append(w.pm.Dropped, "the rest of a broken multipart body")
			return
		}
		w.entity(p.Header, p, depth+1)
	}
}

func transferDecoder(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Clean{r: r})
	}
	return r
}

// base64Clean drops what base64 lines may carry besides the alphabet (spaces, tabs;
// the decoder itself skips CR and LF), so a sloppy sender's file still decodes.
type base64Clean struct{ r io.Reader }

func (b *base64Clean) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
}
