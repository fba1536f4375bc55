package support

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

// crlf turns a message written with LF line ends into what travels on the wire.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// A phone-like message from Outlook: quoted-printable UTF-8 body, encoded subject and
// sender name.
const outlookQP = `Received: from mail.aarhus.dk (mail.aarhus.dk [10.0.0.1])
From: =?UTF-8?Q?Birgitte_S=C3=B8rensen?= <birgitte.sorensen@aarhus.dk>
To: support@fsc.dk
Subject: =?UTF-8?Q?Tablet_virker_ikke_=E2=80=93_borger_i_Aarhus?=
Date: Tue, 1 Dec 2026 09:14:00 +0100
Message-ID: <AM0PR01MB1234.eurprd01.prod.outlook.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hej=20

Borgerens tablet (serienummer TAB-A-000042) t=C3=A6nder ikke l=C3=A6ngere, og=
 der er ingen m=C3=A5linger siden i g=C3=A5r.

Venlig hilsen
Birgitte S=C3=B8rensen
Sygeplejerske, Aarhus Kommune
`

func TestParseQuotedPrintableUTF8(t *testing.T) {
	m, err := parseMail(crlf(outlookQP))
	if err != nil {
		t.Fatal(err)
	}
	if m.From.Address != "birgitte.sorensen@aarhus.dk" || m.From.Name != "Birgitte Sørensen" {
		t.Fatalf("from %+v", m.From)
	}
	if m.Subject != "Tablet virker ikke – borger i Aarhus" {
		t.Fatalf("subject %q", m.Subject)
	}
	if m.MessageID != "AM0PR01MB1234.eurprd01.prod.outlook.com" {
		t.Fatalf("message id %q", m.MessageID)
	}
	want := "Hej\n\nBorgerens tablet (serienummer TAB-A-000042) tænder ikke længere, og der er ingen målinger siden i går.\n\nVenlig hilsen\nBirgitte Sørensen\nSygeplejerske, Aarhus Kommune"
	if m.Text != want {
		t.Fatalf("text\n%q\nwant\n%q", m.Text, want)
	}
}

// The subject as some clients write it: raw UTF-8 inside a Q word, which RFC 2047 does
// not allow and Go's decoder refuses.
func TestParseRawUTF8InEncodedWord(t *testing.T) {
	raw := "From: pleje@aarhus.dk\r\nSubject: =?UTF-8?Q?Tablet_virker_ikke_–_borger_i_Aarhus?=\r\n\r\nTekst\r\n"
	m, err := parseMail([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Tablet virker ikke – borger i Aarhus" {
		t.Fatalf("subject %q", m.Subject)
	}
}

// multipart/mixed holding multipart/alternative (plain and HTML) and two files, one
// with an RFC 2231 name, as Apple Mail and Gmail send them.
const mixed = `From: "Jens Hansen" <jens@skanderborg.dk>
To: support@fsc.dk
Subject: =?iso-8859-1?Q?SV:_[T-2026-000123]_V=E6gten_viser_forkert?=
Message-ID: <CAF=abc123@mail.gmail.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset="ISO-8859-1"
Content-Transfer-Encoding: quoted-printable

V=E6gten viser 12 kg for meget. Billede vedh=E6ftet.

> Den 30. nov. 2026 skrev FSC Support:
> Kan du sende et billede?

--inner
Content-Type: text/html; charset="ISO-8859-1"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">V=E6gten viser 12 kg for meget.</div>

--inner--

--outer
Content-Type: image/png; name="display.png"
Content-Disposition: attachment; filename="display.png"
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk
+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==

--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''Fejlrapport%20v%C3%A6gt.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8
PC9Sb290IDEgMCBSPj4KJSVFT0YK

--outer--
`

func TestParseMultipartWithAttachments(t *testing.T) {
	m, err := parseMail(crlf(mixed))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "SV: [T-2026-000123] Vægten viser forkert" || threadNumber(m.Subject) != "T-2026-000123" {
		t.Fatalf("subject %q", m.Subject)
	}
	if !strings.HasPrefix(m.Text, "Vægten viser 12 kg for meget. Billede vedhæftet.") || strings.Contains(m.Text, "<div") {
		t.Fatalf("text %q: the plain part, not the HTML", m.Text)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].Name != "display.png" || m.Attachments[1].Name != "Fejlrapport vægt.pdf" {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	if !strings.HasPrefix(string(m.Attachments[0].Data), "\x89PNG") || !strings.HasPrefix(string(m.Attachments[1].Data), "%PDF-1.4") {
		t.Fatal("attachments not base64-decoded")
	}
	if newSubject(m.Subject) != "[T-2026-000123] Vægten viser forkert" {
		t.Fatalf("new subject %q", newSubject(m.Subject))
	}
}

// An HTML-only message in windows-1252 with a base64 body: the text is taken from the
// HTML, without its style and markup.
func TestParseHTMLOnly(t *testing.T) {
	body := "<html><head><style>p{color:red}</style></head><body><p>K\xe6re support,</p><p>Borgeren \x96 Hr. \xd8stergaard \x96 har f\xe5et<br>en defekt m\xe5ler.</p><script>x()</script></body></html>"
	raw := "From: visitation@randers.dk\r\nSubject: Defekt\r\nContent-Type: text/html; charset=windows-1252\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64lines(body)
	m, err := parseMail([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := "Kære support,\n\nBorgeren – Hr. Østergaard – har fået\nen defekt måler."
	if m.Text != want {
		t.Fatalf("text %q, want %q", m.Text, want)
	}
}

func TestParseRefusesWhatIsNoMail(t *testing.T) {
	for _, raw := range []string{"", "no header at all", "Subject: hi\r\n\r\nno sender\r\n", "From: not an address\r\n\r\nx"} {
		if _, err := parseMail([]byte(raw)); err == nil {
			t.Errorf("%q parsed", raw)
		}
	}
}

func TestThreadNumberAndSubject(t *testing.T) {
	for subject, want := range map[string]string{
		"Re: [T-2026-000123] Tablet":         "T-2026-000123",
		"SV: SV: T-2027-001234 – opfølgning": "T-2027-001234",
		"AW: Sag t-2026-000009":              "T-2026-000009",
		"Ny sag":                             "",
		"T-2026-123 is too short":            "",
		"XT-2026-000123":                     "",
	} {
		if got := threadNumber(subject); got != want {
			t.Errorf("%q: %q, want %q", subject, got, want)
		}
	}
	if got := newSubject("Re: SV:  Fwd: Hjælp"); got != "Hjælp" {
		t.Errorf("newSubject %q", got)
	}
	if got := newSubject("Re: "); got != "(no subject)" {
		t.Errorf("newSubject %q", got)
	}
}

// b64lines encodes s in base64 lines of 76 characters, as mailers do.
func b64lines(s string) string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	var out strings.Builder
	for len(e) > 76 {
		out.WriteString(e[:76] + "\r\n")
		e = e[76:]
	}
	return out.String() + e + "\r\n"
}

// FuzzParseMail feeds the parser anything: it must not panic, and what it keeps must
// be fit to store: valid UTF-8, no control characters but newline and tab, within the
// limits of a comment, files within the size limit.
func FuzzParseMail(f *testing.F) {
	f.Add(crlf(outlookQP))
	f.Add(crlf(mixed))
	f.Add([]byte("From: a@b.dk\r\nSubject: =?UTF-8?B?w6bDuMOl?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\n\r\nhi\r\n--y--\r\n--x--\r\n"))
	f.Add([]byte("From: a@b.dk\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A6=\r\n=ZZ\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseMail(raw)
		if err != nil {
			return
		}
		for _, s := range []string{m.Subject, m.Text, m.From.Name} {
			if !utf8.ValidString(s) || hasControl(s, true) {
				t.Fatalf("unfit text %q", s)
			}
		}
		if strings.ContainsAny(m.Subject, "\n\t") || utf8.RuneCountInString(m.Text) > MaxComment {
			t.Fatalf("subject %q, text of %d", m.Subject, utf8.RuneCountInString(m.Text))
		}
		for _, a := range m.Attachments {
			if len(a.Data) > MaxAttachmentSize || a.Name == "" || !utf8.ValidString(a.Name) || hasControl(a.Name, false) {
				t.Fatalf("attachment %q of %d bytes", a.Name, len(a.Data))
			}
		}
	})
}
