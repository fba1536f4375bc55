package contracts

import (
	"strconv"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
)

// Status is where a contract stands on a day: before its term, in it, or after it.
type Status string

const (
	StatusUpcoming Status = "upcoming"
	StatusActive   Status = "active"
	StatusExpired  Status = "expired"
)

// Statuses lists the statuses, in the order a contract goes through them.
var Statuses = []Status{StatusUpcoming, StatusActive, StatusExpired}

// SLA are the service levels a vendor agreed to: hours to the first response and to
// resolution of an escalated ticket (support counts them on its calendar).
type SLA struct {
	ResponseHours   int `json:"response_hours" validate:"gte=1,lte=8760"` // maxSLAHours, checked by checkSLA
	ResolutionHours int `json:"resolution_hours" validate:"gte=1,lte=8760"`
}

// Extension is one option to extend a contract, used in Position order. A used option
// records when, by whom, and the end date before and after.
type Extension struct {
	ID         int64      `json:"-" gorm:"primaryKey"`
	ContractID int64      `json:"-"`
	Position   int        `json:"position"`
	Months     int        `json:"months"`
	UsedAt     *time.Time `json:"used_at"`
	UsedBy     string     `json:"used_by,omitempty"`
	EndsBefore civil.Date `json:"ends_on_before"`
	EndsAfter  civil.Date `json:"ends_on_after"`
}

// TableName keeps the table name stable.
func (Extension) TableName() string { return "contract_extensions" }

// Used reports whether the option has been used.
func (e Extension) Used() bool { return e.UsedAt != nil }

// Contract is a tendered agreement with a vendor, for one scheme or (SchemeID nil) for
// all. The term runs from StartsOn to EndsOn, both included. NoticeDeadline is the last
// day to give notice: EndsOn minus NoticeMonths, clamped to the month's last day; it is
// stored so that deadline lists are an index scan. Status, ExtensionsLeft and SLA are
// derived when the contract is read. Lists carry ExtensionsLeft (counted in SQL) but
// not the options themselves; a single contract carries both.
type Contract struct {
	ID                 int64       `json:"id" gorm:"primaryKey"`
	Number             string      `json:"number"`
	Title              string      `json:"title"`
	VendorID           int64       `json:"vendor_id"`
	VendorName         string      `json:"vendor_name" gorm:"-"`
	SchemeID           *int64      `json:"scheme_id"`
	SchemeCode         *string     `json:"scheme_code" gorm:"-"`
	TenderRef          string      `json:"tender_ref"`
	StartsOn           civil.Date  `json:"starts_on"`
	EndsOn             civil.Date  `json:"ends_on"`
	NoticeMonths       int         `json:"notice_months"`
	NoticeDeadline     civil.Date  `json:"notice_deadline"`
	SLAResponseHours   *int        `json:"-" gorm:"column:sla_response_hours"`
	SLAResolutionHours *int        `json:"-" gorm:"column:sla_resolution_hours"`
	SLA                *SLA        `json:"sla" gorm:"-"`
	Status             Status      `json:"status" gorm:"-"`
	ExtensionsLeft     int         `json:"extensions_left" gorm:"-"`
	Extensions         []Extension `json:"extensions,omitempty" gorm:"-"`
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
}

// ContractDetail is a contract with its price list (by item, then valid_from), its
// participants and its documents (without content).
type ContractDetail struct {
	Contract
	Prices       []Price               `json:"prices"`
	Participants []ContractParticipant `json:"participants"`
	Documents    []Document            `json:"documents"`
}

// NoticeDeadline returns the last day to give notice on a contract ending on endsOn
// with months of notice: the same day of the month months earlier, or that month's last
// day (31 May − 3 months = 28 or 29 February).
func NoticeDeadline(endsOn civil.Date, months int) civil.Date { return endsOn.AddMonths(-months) }

// StatusOn returns the contract's status on day d.
func (c *Contract) StatusOn(d civil.Date) Status {
	switch {
	case d.Before(c.StartsOn):
		return StatusUpcoming
	case d.After(c.EndsOn):
		return StatusExpired
	}
	return StatusActive
}

// NoticeDaysLeft returns the days from d to the notice deadline (negative once passed).
func (c *Contract) NoticeDaysLeft(d civil.Date) int { return d.DaysUntil(c.NoticeDeadline) }

// EndDaysLeft returns the days from d to the last day of the term.
func (c *Contract) EndDaysLeft(d civil.Date) int { return d.DaysUntil(c.EndsOn) }

// derive sets what is computed rather than stored, for day today.
func (c *Contract) derive(today civil.Date) {
	c.Status = c.StatusOn(today)
	c.SLA = nil
	if c.SLAResponseHours != nil && c.SLAResolutionHours != nil {
		c.SLA = &SLA{ResponseHours: *c.SLAResponseHours, ResolutionHours: *c.SLAResolutionHours}
	}
	if c.Extensions == nil {
		return // a list: ExtensionsLeft came from the query
	}
	c.ExtensionsLeft = 0
	for _, e := range c.Extensions {
		if !e.Used() {
			c.ExtensionsLeft++
		}
	}
}

// NewExtension is one extension option in NewContract.
type NewExtension struct {
	Months int `json:"months" validate:"gte=1,lte=120"` // MaxOptionMonths
}

// NewContract is the input to CreateContract. NoticeMonths is required (0 is allowed:
// notice until the last day).
type NewContract struct {
	Number       string         `json:"number"`
	Title        string         `json:"title"`
	VendorID     int64          `json:"vendor_id"`
	SchemeID     *int64         `json:"scheme_id"`
	TenderRef    string         `json:"tender_ref"`
	StartsOn     civil.Date     `json:"starts_on"`
	EndsOn       civil.Date     `json:"ends_on"`
	NoticeMonths *int           `json:"notice_months" validate:"gte=0,lte=120"` // MaxNoticeMonths
	Extensions   []NewExtension `json:"extensions"`
	SLA          *SLA           `json:"sla"`
}

// ContractPatch changes a contract's title, tender reference, notice period or SLA
// terms; nil fields stay as they are. The term changes only by Extend.
type ContractPatch struct {
	Title        *string `json:"title"`
	TenderRef    *string `json:"tender_ref"`
	NoticeMonths *int    `json:"notice_months" validate:"gte=0,lte=120"` // MaxNoticeMonths
	SLA          *SLA    `json:"sla"`
}

// Limits of a contract's input.
const (
	MaxExtensions   = 10
	MaxNoticeMonths = 120
	MaxOptionMonths = 120
	maxSLAHours     = 24 * 365
)

func checkNewContract(in *NewContract) error {
	var fe apperr.Fields
	text(&fe, "number", &in.Number, true, 60)
	text(&fe, "title", &in.Title, true, 200)
	text(&fe, "tender_ref", &in.TenderRef, false, 100)
	if in.VendorID <= 0 {
		fe.Add("vendor_id", apperr.Required, "is required")
	}
	if in.SchemeID != nil && *in.SchemeID <= 0 {
		fe.Add("scheme_id", apperr.NotPositive, "must be a positive whole number")
	}
	if in.StartsOn.IsZero() {
		fe.Add("starts_on", apperr.Required, "is required")
	}
	switch {
	case in.EndsOn.IsZero():
		fe.Add("ends_on", apperr.Required, "is required")
	case !in.StartsOn.IsZero() && in.EndsOn.Before(in.StartsOn):
		fe.Add("ends_on", CodeEndsBeforeStarts, "must not be before starts_on (%s)", in.StartsOn)
	}
	if in.NoticeMonths == nil {
		fe.Add("notice_months", apperr.Required, "is required")
	} else {
		checkNoticeMonths(&fe, *in.NoticeMonths)
	}
	if len(in.Extensions) > MaxExtensions {
		fe.Add("extensions", apperr.TooMany, "must hold at most %d items", MaxExtensions)
	}
	for i, e := range in.Extensions {
		if e.Months < 1 || e.Months > MaxOptionMonths {
			fe.Add(fieldAt("extensions", i, "months"), apperr.OutOfRange, "must be from %d to %d", 1, MaxOptionMonths)
		}
	}
	checkSLA(&fe, in.SLA)
	return fe.Err()
}

func checkNoticeMonths(fe *apperr.Fields, n int) {
	if n < 0 || n > MaxNoticeMonths {
		fe.Add("notice_months", apperr.OutOfRange, "must be from %d to %d", 0, MaxNoticeMonths)
	}
}

func checkSLA(fe *apperr.Fields, sla *SLA) {
	if sla == nil {
		return
	}
	if sla.ResponseHours < 1 || sla.ResponseHours > maxSLAHours {
		fe.Add("sla.response_hours", apperr.OutOfRange, "must be from %d to %d", 1, maxSLAHours)
	}
	if sla.ResolutionHours < 1 || sla.ResolutionHours > maxSLAHours {
		fe.Add("sla.resolution_hours", apperr.OutOfRange, "must be from %d to %d", 1, maxSLAHours)
	} else if sla.ResolutionHours < sla.ResponseHours {
		fe.Add("sla.resolution_hours", CodeResolutionUnderResponse, "must not be under response_hours")
	}
}

func fieldAt(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}
