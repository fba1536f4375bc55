package support

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/gabriel-vasile/mimetype"
)

// Comment is a note on a ticket: public (the member and the vendor see it) or internal
// (centre staff only).
type Comment struct {
	ID         int64     `json:"id" gorm:"primaryKey"`
	TicketID   int64     `json:"-"`
	Author     string    `json:"author"`
	AuthorRole string    `json:"author_role"`
	AuthorID   *int64    `json:"-"`
	Body       string    `json:"body"`
	Internal   bool      `json:"internal"`
	Source     string    `json:"source"` // "api" (API and pages) or "email"
	At         time.Time `json:"at"`
}

// TableName keeps the table name stable.
func (Comment) TableName() string { return "ticket_comments" }

// CommentInput is the body of POST /tickets/{id}/comments.
type CommentInput struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal,omitempty"`
}

// AddComment writes a comment on ticket id (support, admin; a member user on its
// member's tickets, never internal; a vendor user on tickets escalated to its vendor,
// never internal). The first public comment by centre staff is the ticket's first
// response. A public comment from the member on a pending ticket ends the wait: the
// ticket goes back to open. It returns NotFound for a ticket the caller does not see,
// Forbidden for an internal comment by a member or vendor user, Conflict on a closed
// ticket, and Invalid for a missing or too long body.
func (s *Service) AddComment(ctx context.Context, id int64, in CommentInput) (*Comment, error) {
	p, err := auth.Require(ctx, writers...)
	if err != nil {
		return nil, err
	}
	if in.Internal && !centreStaff(p) && p.Role != auth.RoleSystem {
		return nil, apperr.Forbidden("only centre staff write internal comments")
	}
	in.Body = normaliseText(in.Body)
	var fe apperr.Fields
	checkText(&fe, "body", in.Body, true, MaxComment, true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out *Comment
	err = db.WithTx(ctx, func(ctx context.Context) error {
		t, err := loadTicket(ctx, id, true)
		if err != nil {
			return err
		}
		if !sees(p, t) {
			return notFound(id)
		}
		out, err = s.comment(ctx, t, in.Body, in.Internal, "api", "")
		return err
	})
	return out, err
}

// comment writes a comment on locked ticket t by the caller (or, for source "email",
// by the sender author), in the caller's transaction, with what it sets off: the first
// response, or the end of a wait.
func (s *Service) comment(ctx context.Context, t *Ticket, body string, internal bool, source, author string) (*Comment, error) {
	p := principalOf(ctx)
	if t.Status == Closed {
		return nil, apperr.Conflict("ticket %s is closed", t.Number)
	}
	now := s.now()
	c := &Comment{TicketID: t.ID, Author: p.Name, AuthorRole: string(p.Role), Body: body, Internal: internal, Source: source, At: now}
	if p.UserID != 0 {
		c.AuthorID = &p.UserID
	}
	if source == "email" {
		c.Author, c.AuthorRole, c.AuthorID = author, "email", nil
	}
	if err := db.Conn(ctx).Create(c).Error; err != nil {
		return nil, fmt.Errorf("comment on ticket %d: %w", t.ID, err)
	}
	if err := audit.Record(ctx, "comment", "ticket", t.ID, nil, c); err != nil {
		return nil, err
	}
	switch {
	case internal:
	case centreStaff(p) && source != "email" && t.FirstResponseAt == nil:
		from := t.Status
		t.FirstResponseAt, t.UpdatedAt = &now, now
		if err := saveTicket(ctx, t, from); err != nil {
			return nil, err
		}
	case (p.Role == auth.RoleMember || source == "email") && t.Status == Pending:
		if err := s.move(ctx, t, Open, ViaReply, "reply from the member", nil); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Attachment is a file on a ticket, stored in the database.
type Attachment struct {
	ID          int64     `json:"id" gorm:"primaryKey"`
	TicketID    int64     `json:"ticket_id"`
	CommentID   *int64    `json:"comment_id,omitempty"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	Data        []byte    `json:"-"`
	Internal    bool      `json:"internal"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName keeps the table name stable.
func (Attachment) TableName() string { return "ticket_attachments" }

// Attachment limits.
const (
	MaxAttachmentSize    = 10 << 20 // bytes
	MaxAttachments       = 50       // per ticket
	maxAttachmentNameLen = 200
)

// AttachmentInput is a file to attach.
type AttachmentInput struct {
	Filename string
	Data     []byte
	Internal bool
}

// AddAttachment stores a file on ticket id, with its content type sniffed from the
// bytes (never taken from the client). Who may is as for AddComment. It returns
// NotFound, Forbidden, Conflict as AddComment does, and Invalid naming data (empty or
// over MaxAttachmentSize bytes, or the ticket already holds MaxAttachments) or
// filename (missing, too long, control characters).
func (s *Service) AddAttachment(ctx context.Context, id int64, in AttachmentInput) (*Attachment, error) {
	p, err := auth.Require(ctx, writers...)
	if err != nil {
		return nil, err
	}
	if in.Internal && !centreStaff(p) && p.Role != auth.RoleSystem {
		return nil, apperr.Forbidden("only centre staff add internal attachments")
	}
	var out *Attachment
	err = db.WithTx(ctx, func(ctx context.Context) error {
		t, err := loadTicket(ctx, id, true)
		if err != nil {
			return err
		}
		if !sees(p, t) {
			return notFound(id)
		}
		out, err = s.attach(ctx, t, nil, in)
		return err
	})
	return out, err
}

// attach stores a file on locked ticket t, in the caller's transaction.
func (s *Service) attach(ctx context.Context, t *Ticket, commentID *int64, in AttachmentInput) (*Attachment, error) {
	if t.Status == Closed {
		return nil, apperr.Conflict("ticket %s is closed", t.Number)
	}
	name := cleanFilename(in.Filename)
	var fe apperr.Fields
	checkText(&fe, "filename", name, true, maxAttachmentNameLen, false)
	switch {
	case len(in.Data) == 0:
		fe.Add("data", apperr.Required, "is required")
	case len(in.Data) > MaxAttachmentSize:
		fe.Add("data", apperr.TooLarge, "must be at most %d bytes", MaxAttachmentSize)
	}
	var n int64
	if err := db.Conn(ctx).Model(&Attachment{}).Where("ticket_id = ?", t.ID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("count attachments of ticket %d: %w", t.ID, err)
	}
	if n >= MaxAttachments {
		fe.Add("data", apperr.TooMany, "must hold at most %d items", MaxAttachments)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(in.Data)
	a := &Attachment{TicketID: t.ID, CommentID: commentID, Filename: name, ContentType: mimetype.Detect(in.Data).String(),
		Size: int64(len(in.Data)), SHA256: hex.EncodeToString(sum[:]), Data: in.Data, Internal: in.Internal,
		CreatedBy: principalOf(ctx).Name, CreatedAt: s.now()}
	if err := db.Conn(ctx).Create(a).Error; err != nil {
		return nil, fmt.Errorf("attach to ticket %d: %w", t.ID, err)
	}
	meta := *a
	meta.Data = nil
	return a, audit.Record(ctx, "attach", "ticket", t.ID, nil, meta)
}

// cleanFilename keeps the last element of a path (mail clients send "C:\x\y.pdf") and
// drops surrounding space.
func cleanFilename(name string) string {
	name = strings.TrimSpace(strings.ReplaceAll(name, `\`, "/"))
	if name == "" {
		return ""
	}
	name = path.Base(name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}

// GetAttachment returns attachment aid of ticket id with its content, visible as the
// ticket is (internal ones to centre staff only). It returns NotFound otherwise.
func (s *Service) GetAttachment(ctx context.Context, id, aid int64) (*Attachment, error) {
	p, err := auth.Require(ctx, readers...)
	if err != nil {
		return nil, err
	}
	t, err := loadTicket(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if !sees(p, t) {
		return nil, notFound(id)
	}
	var a Attachment
	err = db.Conn(ctx).Where("id = ? AND ticket_id = ?", aid, id).Take(&a).Error
	if db.IsNotFound(err) || (err == nil && a.Internal && !p.IsStaff()) {
		return nil, apperr.NotFound("attachment %d not found", aid)
	}
	if err != nil {
		return nil, fmt.Errorf("attachment %d: %w", aid, err)
	}
	return &a, nil
}
