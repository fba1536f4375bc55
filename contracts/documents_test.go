package contracts_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fsc/backoffice/contracts"
	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/auth"
)

func TestContractDocuments(t *testing.T) {
	f := newFix(t)
	f.svc.MaxDocumentBytes = 1 << 10
	v := f.vendor(t, "Viewcare A/S", "29190925")
	w := f.vendor(t, "Logistik ApS", "24256790")
	c := f.contract(t, "C-1", v, "2024-01-01", "2026-12-31")
	pdf := []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	doc, err := f.svc.AddDocument(f.ctx, c.ID, `C:\Kontrakter\kontrakt.pdf`, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Filename != "kontrakt.pdf" || doc.SizeBytes != int64(len(pdf)) || len(doc.SHA256) != 64 || doc.Content != nil {
		t.Fatalf("document = %+v", doc)
	}
	for _, x := range []struct {
		name, body, field, code string
	}{
		{"a.pdf", "", "file", "required"},
		{"a.pdf", "<html>not a pdf</html>", "file", "not_pdf"},
		{"a.pdf", "%PDF-" + strings.Repeat("x", 1<<10), "file", "too_large"},
		{"", "%PDF-1.4", "filename", "required"},
	} {
		_, err := f.svc.AddDocument(f.ctx, c.ID, x.name, strings.NewReader(x.body))
		if codesOf(err)[x.field] != x.code {
			t.Errorf("%q/%d bytes: %v, want %s %s", x.name, len(x.body), err, x.field, x.code)
		}
	}
	got, err := f.svc.GetDocument(f.ctx, c.ID, doc.ID)
	if err != nil || !bytes.Equal(got.Content, pdf) || got.ContentType != "application/pdf" {
		t.Fatalf("download = %+v, %v", got, err)
	}
	detail, err := f.svc.GetContract(f.ctx, c.ID)
	if err != nil || len(detail.Documents) != 1 || detail.Documents[0].Content != nil || detail.Documents[0].Filename != "kontrakt.pdf" {
		t.Fatalf("contract documents = %+v, %v", detail.Documents, err)
	}
	own := f.as(auth.Principal{UserID: 4, Name: "v", Role: auth.RoleVendor, VendorID: &v.ID})
	if _, err := f.svc.GetDocument(own, c.ID, doc.ID); err != nil {
		t.Fatalf("the contract's vendor downloads: %v", err)
	}
	stranger := f.as(auth.Principal{UserID: 5, Name: "w", Role: auth.RoleVendor, VendorID: &w.ID})
	_, err = f.svc.GetDocument(stranger, c.ID, doc.ID)
	wantKind(t, err, apperr.KindNotFound, "another vendor downloads")
	_, err = f.svc.AddDocument(own, c.ID, "x.pdf", bytes.NewReader(pdf))
	wantKind(t, err, apperr.KindForbidden, "vendor uploads")
	if err := f.svc.DeleteDocument(f.ctx, c.ID, doc.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.GetDocument(f.ctx, c.ID, doc.ID)
	wantKind(t, err, apperr.KindNotFound, "deleted document")
	_ = contracts.DefaultMaxDocumentBytes
}
