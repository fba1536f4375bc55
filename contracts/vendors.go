package contracts

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
)

// Vendor is a company that supplies products or services to the centre under contracts,
// identified by its Danish CVR number.
type Vendor struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	Name      string    `json:"name"`
	CVR       string    `json:"cvr" gorm:"column:cvr"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Contact   string    `json:"contact"` // the contact person
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewVendor is the input to CreateVendor.
type NewVendor struct {
	Name    string `json:"name"`
	CVR     string `json:"cvr"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Contact string `json:"contact"`
}

// VendorPatch changes a vendor; nil fields stay as they are.
type VendorPatch struct {
	Name    *string `json:"name"`
	CVR     *string `json:"cvr"`
	Email   *string `json:"email"`
	Phone   *string `json:"phone"`
	Contact *string `json:"contact"`
}

// ValidCVR reports whether s is a Danish CVR number: 8 digits whose digits weighted
// 2, 7, 6, 5, 4, 3, 2, 1 sum to a multiple of 11.
func ValidCVR(s string) bool {
	if len(s) != 8 {
		return false
	}
	weights := [8]int{2, 7, 6, 5, 4, 3, 2, 1}
	sum := 0
	for i := range 8 {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * weights[i]
	}
	return sum%11 == 0
}

// normCVR drops spaces and a "DK" prefix, as CVR numbers are often written
// ("DK 29 19 09 25").
func normCVR(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if len(s) == 10 && strings.EqualFold(s[:2], "DK") {
		s = s[2:]
	}
	return s
}

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{3,28}$`)

func checkVendor(fe *apperr.Fields, v *Vendor) {
	text(fe, "name", &v.Name, true, 200)
	v.CVR = normCVR(v.CVR)
	switch {
	case v.CVR == "":
		fe.Add("cvr", apperr.Required, "is required")
	case !ValidCVR(v.CVR):
		fe.Add("cvr", CodeCVR, "must be 8 digits passing the modulus-11 check")
	}
	v.Email = strings.ToLower(strings.TrimSpace(v.Email))
	if v.Email != "" {
		if a, err := mail.ParseAddress(v.Email); err != nil || a.Address != v.Email || len(v.Email) > 254 {
			fe.Add("email", apperr.Email, "must be a valid e-mail address")
		}
	}
	v.Phone = strings.TrimSpace(v.Phone)
	if v.Phone != "" && !phoneRE.MatchString(v.Phone) {
		fe.Add("phone", apperr.BadFormat, "must be a phone number: digits, spaces, ( ) - and a leading +")
	}
	text(fe, "contact", &v.Contact, false, 200)
}

// CreateVendor registers a vendor (admin only). It returns Invalid naming each bad
// field (a CVR failing the check names "cvr") and Conflict for a CVR already registered.
func (s *Service) CreateVendor(ctx context.Context, in NewVendor) (*Vendor, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return nil, err
	}
	v := &Vendor{Name: in.Name, CVR: in.CVR, Email: in.Email, Phone: in.Phone, Contact: in.Contact}
	var fe apperr.Fields
	if checkVendor(&fe, v); fe.Err() != nil {
		return nil, fe.Err()
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		if err := db.Conn(ctx).Create(v).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("cvr", apperr.Taken, "CVR %s is already registered", v.CVR)
			}
			return fmt.Errorf("create vendor: %w", err)
		}
		return audit.Record(ctx, "create", "vendor", v.ID, nil, v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// GetVendor returns vendor id to staff, and to a vendor user its own vendor. It returns
// NotFound for an unknown id or another vendor's, and Forbidden for a member user.
func (s *Service) GetVendor(ctx context.Context, id int64) (*Vendor, error) {
	p, err := auth.Require(ctx, vendorReaders...)
	if err != nil {
		return nil, err
	}
	if !p.SeesVendor(id) {
		return nil, apperr.NotFound("vendor %d not found", id)
	}
	return findVendor(ctx, id, false)
}

// VendorExists returns nil if vendor id exists and NotFound otherwise, whoever asks.
func (s *Service) VendorExists(ctx context.Context, id int64) error {
	_, err := findVendor(ctx, id, false)
	return err
}

// VendorFilter selects vendors for ListVendors.
type VendorFilter struct {
	Query string // part of the name, or the CVR
	After int64
	Limit int

	onlyID int64 // set by ListVendors for a vendor user
}

// ListVendors returns the vendors the caller may see (a vendor user: its own), by id,
// and the cursor of the next page (0 on the last). It returns Forbidden for a member
// user.
func (s *Service) ListVendors(ctx context.Context, f VendorFilter) ([]Vendor, int64, error) {
	p, err := auth.Require(ctx, vendorReaders...)
	if err != nil {
		return nil, 0, err
	}
	if !p.IsStaff() {
		if p.VendorID == nil {
			return nil, 0, nil
		}
		f.onlyID = *p.VendorID
	}
	return listVendors(ctx, f)
}

// UpdateVendor applies patch to vendor id. Staff may change everything; a vendor user
// only its own vendor's e-mail, phone and contact. It returns NotFound for an unknown
// (or another vendor's) id, Forbidden when a vendor user changes the name or CVR,
// Invalid for bad fields and Conflict for a CVR another vendor has.
func (s *Service) UpdateVendor(ctx context.Context, id int64, patch VendorPatch) (*Vendor, error) {
	p, err := auth.Require(ctx, vendorReaders...)
	if err != nil {
		return nil, err
	}
	if !p.SeesVendor(id) {
		return nil, apperr.NotFound("vendor %d not found", id)
	}
	if !p.IsStaff() && (patch.Name != nil || patch.CVR != nil) {
		return nil, apperr.Forbidden("a vendor user may change only e-mail, phone and contact")
	}
	var out *Vendor
	err = db.WithTx(ctx, func(ctx context.Context) error {
		v, err := findVendor(ctx, id, true)
		if err != nil {
			return err
		}
		before := *v
		setIf(&v.Name, patch.Name)
		setIf(&v.CVR, patch.CVR)
		setIf(&v.Email, patch.Email)
		setIf(&v.Phone, patch.Phone)
		setIf(&v.Contact, patch.Contact)
		var fe apperr.Fields
		if checkVendor(&fe, v); fe.Err() != nil {
			return fe.Err()
		}
		if err := db.Conn(ctx).Save(v).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return conflict("cvr", apperr.Taken, "CVR %s is already registered", v.CVR)
			}
			return fmt.Errorf("update vendor %d: %w", id, err)
		}
		out = v
		return audit.Record(ctx, "update", "vendor", v.ID, before, v)
	})
	return out, err
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func findVendor(ctx context.Context, id int64, lock bool) (*Vendor, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var v Vendor
	err := q.Take(&v, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("vendor %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find vendor %d: %w", id, err)
	}
	return &v, nil
}

func listVendors(ctx context.Context, f VendorFilter) ([]Vendor, int64, error) {
	q := db.Conn(ctx).Model(&Vendor{}).Where("id > ?", f.After)
	if f.onlyID != 0 {
		q = q.Where("id = ?", f.onlyID)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		q = q.Where("LOWER(name) LIKE ? OR cvr = ?", "%"+strings.ToLower(s)+"%", normCVR(s))
	}
	var vs []Vendor
	if err := q.Order("id").Limit(limitOf(f.Limit) + 1).Find(&vs).Error; err != nil {
		return nil, 0, fmt.Errorf("list vendors: %w", err)
	}
	return page(vs, limitOf(f.Limit), func(v Vendor) int64 { return v.ID })
}

// ActiveSLA returns the SLA terms (hours to first response and to resolution) of the
// vendor's contract in force at the Copenhagen date of at, for support's escalation;
// ok is false when the vendor has no such contract with terms. It answers whoever asks
// (an escalating agent may not see every contract), and returns only database errors.
func (s *Service) ActiveSLA(ctx context.Context, vendorID int64, at time.Time) (responseHours, resolutionHours int, ok bool, err error) {
	return activeSLA(ctx, vendorID, civil.Of(at))
}
