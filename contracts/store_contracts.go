package contracts

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// ContractSort orders ListContracts.
type ContractSort string

const (
	SortByID       ContractSort = ""         // oldest first
	SortByDeadline ContractSort = "deadline" // soonest notice deadline first
)

// MaxExpiringDays bounds ContractFilter.ExpiringWithinDays.
const MaxExpiringDays = 3650

// ContractFilter selects contracts for ListContracts. After is the id of the last
// contract of the previous page; under SortByDeadline the next page continues after
// that contract's (notice_deadline, id).
type ContractFilter struct {
	VendorID int64
	SchemeID int64
	Status   Status // "" for every status
	// ExpiringWithinDays, when set, keeps contracts whose end or notice deadline falls
	// within that many days from today (today included).
	ExpiringWithinDays *int
	Query              string // part of the number or title
	Sort               ContractSort
	After              int64
	Limit              int // 50 if 0, at most 500
}

func (f *ContractFilter) check() error {
	var fe apperr.Fields
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		fe.Add("status", apperr.OneOf, "must be one of %s", "upcoming, active, expired")
	}
	if n := f.ExpiringWithinDays; n != nil && (*n < 0 || *n > MaxExpiringDays) {
		fe.Add("expiring_within_days", apperr.OutOfRange, "must be from %d to %d", 0, MaxExpiringDays)
	}
	if f.Sort != SortByID && f.Sort != SortByDeadline {
		fe.Add("sort", apperr.OneOf, "must be one of %s", "deadline")
	}
	if len(f.Query) > 200 {
		fe.Add("q", apperr.TooLong, "must be at most %d characters", 200)
	}
	return fe.Err()
}

// contractColumns are what contractQuery selects, in the order scanContract reads them:
// the contract, its vendor's name, its scheme's code and the count of unused options.
const contractColumns = "c.id, c.number, c.title, c.vendor_id, c.scheme_id, c.tender_ref, c.starts_on, c.ends_on, " +
	"c.notice_months, c.notice_deadline, c.sla_response_hours, c.sla_resolution_hours, c.created_at, c.updated_at, " +
	"v.name, s.code, (SELECT COUNT(*) FROM contract_extensions e WHERE e.contract_id = c.id AND e.used_at IS NULL)"

func scanContract(rows *sql.Rows, c *Contract) error {
	return rows.Scan(&c.ID, &c.Number, &c.Title, &c.VendorID, &c.SchemeID, &c.TenderRef, &c.StartsOn, &c.EndsOn,
		&c.NoticeMonths, &c.NoticeDeadline, &c.SLAResponseHours, &c.SLAResolutionHours, &c.CreatedAt, &c.UpdatedAt,
		&c.VendorName, &c.SchemeCode, &c.ExtensionsLeft)
}

// findContracts runs q, a contractQuery, and scans its rows by hand: gorm's reflection
// took most of a deadlines list's time (about 15 µs a row).
func findContracts(q *gorm.DB) ([]Contract, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Contract
	for rows.Next() {
		var c Contract
		if err := scanContract(rows, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// contractQuery selects contractColumns, narrowed to what sc sees; findContracts reads
// it.
func contractQuery(ctx context.Context, sc contractScope) *gorm.DB {
	q := db.Conn(ctx).Table("contracts c").Select(contractColumns).
		Joins("JOIN vendors v ON v.id = c.vendor_id").
		Joins("LEFT JOIN schemes s ON s.id = c.scheme_id")
	if sc.vendorID != 0 {
		q = q.Where("c.vendor_id = ?", sc.vendorID)
	}
	if sc.memberID != 0 {
		q = q.Where("EXISTS (SELECT 1 FROM contract_participants cp WHERE cp.contract_id = c.id AND cp.member_id = ?)", sc.memberID)
	}
	return q
}

// lockContract returns contract id, locked until the transaction ends, or NotFound.
func lockContract(ctx context.Context, id int64) (*Contract, error) {
	var c Contract
	err := db.ForUpdate(db.Conn(ctx)).Take(&c, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("contract %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock contract %d: %w", id, err)
	}
	return &c, nil
}

// listContracts answers ListContracts. The expiring filter is two index range scans
// (ends_on, notice_deadline) OR-ed together.
func listContracts(ctx context.Context, sc contractScope, f ContractFilter, today civil.Date) ([]Contract, int64, error) {
	q := contractQuery(ctx, sc)
	if f.VendorID != 0 {
		q = q.Where("c.vendor_id = ?", f.VendorID)
	}
	if f.SchemeID != 0 {
		q = q.Where("c.scheme_id = ?", f.SchemeID)
	}
	switch f.Status {
	case StatusUpcoming:
		q = q.Where("c.starts_on > ?", today)
	case StatusActive:
		q = q.Where("c.starts_on <= ? AND c.ends_on >= ?", today, today)
	case StatusExpired:
		q = q.Where("c.ends_on < ?", today)
	}
	if n := f.ExpiringWithinDays; n != nil {
		until := today.AddDays(*n)
		q = q.Where("(c.ends_on >= ? AND c.ends_on <= ?) OR (c.notice_deadline >= ? AND c.notice_deadline <= ?)", today, until, today, until)
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		like := "%" + strings.ToLower(s) + "%"
		q = q.Where("LOWER(c.number) LIKE ? OR LOWER(c.title) LIKE ?", like, like)
	}
	limit := limitOf(f.Limit)
	switch f.Sort {
	case SortByDeadline:
		if f.After > 0 {
			var last Contract
			if err := db.Conn(ctx).Select("id", "notice_deadline").Take(&last, f.After).Error; err != nil && !db.IsNotFound(err) {
				return nil, 0, fmt.Errorf("list contracts: cursor: %w", err)
			}
			if last.ID != 0 {
				q = q.Where("c.notice_deadline > ? OR (c.notice_deadline = ? AND c.id > ?)", last.NoticeDeadline, last.NoticeDeadline, last.ID)
			}
		}
		q = q.Order("c.notice_deadline, c.id")
	default:
		q = q.Where("c.id > ?", f.After).Order("c.id")
	}
	cs, err := findContracts(q.Limit(limit + 1))
	if err != nil {
		return nil, 0, fmt.Errorf("list contracts: %w", err)
	}
	return page(cs, limit, func(c Contract) int64 { return c.ID })
}

// activeSLA reads the SLA terms of vendorID's contract in force on day d, the one that
// started last when several are; ok is false when none with terms is in force.
func activeSLA(ctx context.Context, vendorID int64, d civil.Date) (resp, resol int, ok bool, err error) {
	var row struct {
		SLAResponseHours   *int
		SLAResolutionHours *int
	}
	res := db.Conn(ctx).Table("contracts").Select("sla_response_hours, sla_resolution_hours").
		Where("vendor_id = ? AND starts_on <= ? AND ends_on >= ? AND sla_response_hours IS NOT NULL AND sla_resolution_hours IS NOT NULL", vendorID, d, d).
		Order("starts_on DESC, id DESC").Limit(1).Scan(&row)
	if res.Error != nil {
		return 0, 0, false, fmt.Errorf("active SLA of vendor %d: %w", vendorID, res.Error)
	}
	if res.RowsAffected == 0 || row.SLAResponseHours == nil || row.SLAResolutionHours == nil {
		return 0, 0, false, nil
	}
	return *row.SLAResponseHours, *row.SLAResolutionHours, true, nil
}
