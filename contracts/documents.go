package contracts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// DefaultMaxDocumentBytes bounds a contract document unless Service.MaxDocumentBytes
// says otherwise.
const DefaultMaxDocumentBytes = 10 << 20

// pdfMagic is how every PDF file starts; the declared content type is not trusted.
var pdfMagic = []byte("%PDF-")

// Document is a PDF attached to a contract (the signed contract, an appendix), stored
// in the database. Content is loaded only by GetDocument.
type Document struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	ContractID  int64     `json:"contract_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	SizeBytes   int64     `json:"size_bytes"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	Content     []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
}

// TableName keeps the table name stable.
func (Document) TableName() string { return "contract_documents" }

func (s *Service) maxDocumentBytes() int64 {
	if s.MaxDocumentBytes > 0 {
		return s.MaxDocumentBytes
	}
	return DefaultMaxDocumentBytes
}

// AddDocument stores the PDF read from r as a document of contract contractID (admin,
// finance), under filename (its base name). It reads at most the size limit and one
// byte more. It returns NotFound for an unknown contract and Invalid (field "file") for
// an empty file, one over the limit or one that does not start with %PDF-, and
// (field "filename") for a missing or bad name.
func (s *Service) AddDocument(ctx context.Context, contractID int64, filename string, r io.Reader) (*Document, error) {
	p, err := auth.Require(ctx, contractWriters...)
	if err != nil {
		return nil, err
	}
	filename = filepath.Base(strings.ReplaceAll(strings.TrimSpace(filename), `\`, "/"))
	if filename == "." || filename == "/" {
		filename = ""
	}
	var fe apperr.Fields
	text(&fe, "filename", &filename, true, 200)
	limit := s.maxDocumentBytes()
	content, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, apperr.Malformed(err, "could not read the uploaded file")
	}
	switch {
	case len(content) == 0:
		fe.Add("file", apperr.Required, "is empty")
	case int64(len(content)) > limit:
		fe.Add("file", apperr.TooLarge, "must be at most %d", limit)
	case !bytes.HasPrefix(content, pdfMagic):
		fe.Add("file", CodeNotPDF, "is not a PDF file")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	d := &Document{ContractID: contractID, Filename: filename, ContentType: "application/pdf",
		SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Content: content, CreatedBy: p.Name}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := lockContract(ctx, contractID); err != nil {
			return err
		}
		if err := db.Conn(ctx).Create(d).Error; err != nil {
			return fmt.Errorf("store document of contract %d: %w", contractID, err)
		}
		meta := *d
		meta.Content = nil
		return audit.Record(ctx, "add_document", "contract", contractID, nil, meta)
	})
	if err != nil {
		return nil, err
	}
	d.Content = nil
	return d, nil
}

// GetDocument returns document docID of contract contractID with its content, to whoever
// sees the contract. It returns NotFound for an invisible contract or a document not in
// it.
func (s *Service) GetDocument(ctx context.Context, contractID, docID int64) (*Document, error) {
	p, err := auth.Require(ctx, contractReaders...)
	if err != nil {
		return nil, err
	}
	if _, err := s.loadContract(ctx, contractID, scopeOf(p)); err != nil {
		return nil, err
	}
	var d Document
	err = db.Conn(ctx).Where("id = ? AND contract_id = ?", docID, contractID).Take(&d).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("document %d not found in contract %d", docID, contractID)
	}
	if err != nil {
		return nil, fmt.Errorf("load document %d: %w", docID, err)
	}
	return &d, nil
}

// DeleteDocument removes document docID from contract contractID (admin, finance). It
// returns NotFound for a document not in the contract.
func (s *Service) DeleteDocument(ctx context.Context, contractID, docID int64) error {
	if _, err := auth.Require(ctx, contractWriters...); err != nil {
		return err
	}
	return db.WithTx(ctx, func(ctx context.Context) error {
		var d Document
		err := db.Conn(ctx).Omit("Content").Where("id = ? AND contract_id = ?", docID, contractID).Take(&d).Error
		if db.IsNotFound(err) {
			return apperr.NotFound("document %d not found in contract %d", docID, contractID)
		}
		if err != nil {
			return fmt.Errorf("load document %d: %w", docID, err)
		}
		if err := db.Conn(ctx).Delete(&Document{}, docID).Error; err != nil {
			return fmt.Errorf("delete document %d: %w", docID, err)
		}
		return audit.Record(ctx, "delete_document", "contract", contractID, d, nil)
	})
}

// listDocuments returns a contract's documents, oldest first, without content.
func listDocuments(ctx context.Context, contractID int64) ([]Document, error) {
	out := []Document{}
	err := db.Conn(ctx).Omit("Content").Where("contract_id = ?", contractID).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list documents of contract %d: %w", contractID, err)
	}
	return out, nil
}
