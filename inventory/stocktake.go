package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// Stocktake statuses.
const (
	StocktakeOpen      = "open"
	StocktakeConfirmed = "confirmed"
)

// countedStates are the states of a device that is on a shelf at its location and so
// must be found by a stocktake there.
var countedStates = []State{Available, Reserved, Cleaning, Repair}

// Stocktake is a count of one location, compared with the books and, once confirmed,
// booked: missing devices become lost, devices found here are moved here, consumable
// differences become ledger adjustments.
type Stocktake struct {
	ID          int64      `json:"id" gorm:"primaryKey"`
	LocationID  int64      `json:"location_id"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	ConfirmedBy *string    `json:"confirmed_by"`
	Reason      string     `json:"reason,omitempty"`
	ResultJSON  *string    `json:"-" gorm:"column:result"`
	// Result is the comparison with the books: live while open, as confirmed after.
	Result *StocktakeResult `json:"result,omitempty" gorm:"-"`
}

// StocktakeResult lists the differences between a count and the books.
type StocktakeResult struct {
	// Scanned is how many distinct serials were scanned, Matched how many of them are
	// booked at the location.
	Scanned int `json:"scanned"`
	Matched int `json:"matched"`
	// Counted says whether anything (a serial or a quantity) has been counted yet.
	// Until then every device on the books is "missing" only because nobody looked.
	Counted    bool                `json:"counted"`
	Missing    []StocktakeDevice   `json:"missing"`
	Unexpected []UnexpectedSerial  `json:"unexpected"`
	Miscounted []StocktakeMiscount `json:"miscounted"`
}

// StocktakeDevice is a device booked on a shelf at the location that was not scanned.
type StocktakeDevice struct {
	DeviceID  int64  `json:"device_id"`
	Serial    string `json:"serial"`
	ProductID int64  `json:"product_id"`
	SKU       string `json:"sku"`
	State     State  `json:"state"`
}

// UnexpectedSerial is a scanned serial that is not booked on a shelf at the location:
// once per device with that serial (its id, state and location), or with no device when
// the serial is unknown. Relocate says whether confirming moves the device here.
type UnexpectedSerial struct {
	Serial       string  `json:"serial"`
	DeviceID     *int64  `json:"device_id"`
	ProductID    *int64  `json:"product_id,omitempty"`
	SKU          string  `json:"sku,omitempty"`
	State        *State  `json:"state"`
	LocationID   *int64  `json:"location_id"`
	LocationCode *string `json:"location_code,omitempty"`
	Relocate     bool    `json:"relocate"`
}

// StocktakeMiscount is a consumable whose counted quantity differs from the ledger's
// on hand at the location; Difference is counted − booked.
type StocktakeMiscount struct {
	ProductID  int64  `json:"product_id"`
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	Counted    int64  `json:"counted"`
	Booked     int64  `json:"booked"`
	Difference int64  `json:"difference"`
}

// NewStocktake is the body that starts a stocktake.
type NewStocktake struct {
	LocationID int64 `json:"location_id"`
}

// StocktakeCount is one batch of a count: scanned serials, and counted quantities of
// consumables (a later count of the same product replaces the earlier one).
type StocktakeCount struct {
	Serials []string             `json:"serials" validate:"max=10000,dive,max=64"`
	Lines   []StocktakeCountLine `json:"lines"`
}

// StocktakeCountLine is the counted quantity of one consumable.
type StocktakeCountLine struct {
	ProductID int64  `json:"product_id"`
	Quantity  *int64 `json:"quantity" validate:"omitempty,lte=10000000"`
}

// ConfirmStocktakeRequest is the body of a confirmation.
type ConfirmStocktakeRequest struct {
	Reason string `json:"reason" validate:"max=2000"`
}

// countRow is one row of stocktake_counts.
type countRow struct {
	ID          int64 `gorm:"primaryKey"`
	StocktakeID int64
	ProductID   *int64
	Serial      *string
	Quantity    *int64
	At          time.Time
	Actor       string
}

func (countRow) TableName() string { return "stocktake_counts" }

// MaxCountSerials bounds one batch of scanned serials.
const MaxCountSerials = 20000

// StartStocktake opens a stocktake of location locationID (logistics). It returns
// Invalid for an unknown location and Conflict when one is already open there.
func (s *Service) StartStocktake(ctx context.Context, locationID int64) (*Stocktake, error) {
	p, err := auth.Require(ctx, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	if locationID <= 0 {
		return nil, apperr.Invalid(apperr.Field("location_id", apperr.Required, "is required"))
	}
	st := &Stocktake{LocationID: locationID, Status: StocktakeOpen, CreatedAt: time.Now().UTC(), CreatedBy: p.Name}
	err = db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := findLocation(ctx, locationID); apperr.Is(err, apperr.KindNotFound) {
			return apperr.Invalid(apperr.Field("location_id", apperr.Unknown, "no location with id %d", locationID))
		} else if err != nil {
			return err
		}
		var open int64
		if err := db.Conn(ctx).Model(&Stocktake{}).Where("location_id = ? AND status = ?", locationID, StocktakeOpen).
			Count(&open).Error; err != nil {
			return fmt.Errorf("start stocktake: %w", err)
		}
		if open > 0 {
			return apperr.ConflictCode(CodeStocktakeOpen, "a stocktake of location %d is already open; confirm it first", locationID)
		}
		if err := db.Conn(ctx).Create(st).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.ConflictCode(CodeStocktakeOpen, "a stocktake of location %d is already open; confirm it first", locationID)
			}
			return fmt.Errorf("start stocktake: %w", err)
		}
		return audit.Record(ctx, "start", "stocktake", st.ID, nil, st)
	})
	if err != nil {
		return nil, err
	}
	if st.Result, err = computeStocktake(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// RecordCount adds a batch to open stocktake id (logistics): scanned serials (trimmed;
// a serial scanned before is kept once; one that matches no device is kept and shows
// as unexpected) and counted quantities of consumables. It returns the stocktake with
// its result so far; NotFound for an unknown stocktake, Conflict once it is confirmed,
// and Invalid naming each bad serial (serials[i]) or line (lines[i].product_id,
// lines[i].quantity).
func (s *Service) RecordCount(ctx context.Context, id int64, in StocktakeCount) (*Stocktake, error) {
	p, err := auth.Require(ctx, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	var out *Stocktake
	err = db.WithTx(ctx, func(ctx context.Context) error {
		st, err := findStocktake(ctx, id, true)
		if err != nil {
			return err
		}
		if st.Status != StocktakeOpen {
			return apperr.ConflictCode(CodeStocktakeClosed, "stocktake %d is %s; counts can be added only while it is open", id, st.Status)
		}
		serials, err := checkCount(ctx, &in)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := insertSerials(ctx, id, serials, now, p.Name); err != nil {
			return err
		}
		for _, l := range in.Lines {
			if err := setCounted(ctx, id, l.ProductID, *l.Quantity, now, p.Name); err != nil {
				return err
			}
		}
		if st.Result, err = computeStocktake(ctx, st); err != nil {
			return err
		}
		out = st
		return audit.Record(ctx, "count", "stocktake", id, nil, map[string]any{
			"serials": len(serials), "lines": in.Lines})
	})
	return out, err
}

// checkCount trims the serials and checks the batch. It returns the distinct serials in
// the order scanned.
func checkCount(ctx context.Context, in *StocktakeCount) ([]string, error) {
	var fe apperr.Fields
	if len(in.Serials) == 0 && len(in.Lines) == 0 {
		fe.Add("serials", apperr.EitherNone, "send scanned serials, counted %s, or both", "lines")
	}
	if len(in.Serials) > MaxCountSerials {
		fe.Add("serials", apperr.TooMany, "at most %d serials in one batch", MaxCountSerials)
	}
	seen := map[string]bool{}
	var serials []string
	for i, raw := range in.Serials {
		sn := strings.TrimSpace(raw)
		in.Serials[i] = sn
		switch {
		case sn == "":
			fe.Add(fmt.Sprintf("serials[%d]", i), apperr.Required, "is empty")
		case !ValidSerial(sn):
			fe.Add(fmt.Sprintf("serials[%d]", i), CodeSerialMalformed, "serial %q is malformed: use 1–64 letters, digits and . _ / : -", truncate(sn, 70))
		case !seen[NormSerial(sn)]:
			seen[NormSerial(sn)] = true
			serials = append(serials, sn)
		}
	}
	ids := make([]int64, len(in.Lines))
	for i, l := range in.Lines {
		ids[i] = l.ProductID
	}
	products := map[int64]Product{}
	if len(ids) > 0 {
		var ps []Product
		if err := db.Conn(ctx).Where("id IN ?", ids).Find(&ps).Error; err != nil {
			return nil, fmt.Errorf("count: load products: %w", err)
		}
		for _, p := range ps {
			products[p.ID] = p
		}
	}
	first := map[int64]int{}
	for i, l := range in.Lines {
		at := fmt.Sprintf("lines[%d]", i)
		pr, ok := products[l.ProductID]
		switch {
		case l.ProductID <= 0:
			fe.Add(at+".product_id", apperr.Required, "is required")
		case !ok:
			fe.Add(at+".product_id", apperr.Unknown, "no product with id %d", l.ProductID)
		case pr.Tracking != TrackQuantity:
			fe.Add(at+".product_id", CodeTrackedBySerial, "product %s is tracked by serial; scan its serials instead", pr.SKU)
		default:
			if j, dup := first[l.ProductID]; dup {
				fe.Add(at+".product_id", CodeListedTwice, "product %s is already lines[%d]", pr.SKU, j)
			} else {
				first[l.ProductID] = i
			}
		}
		switch {
		case l.Quantity == nil:
			fe.Add(at+".quantity", apperr.Required, "is required")
		case *l.Quantity < 0:
			fe.Add(at+".quantity", apperr.Negative, "must not be negative")
		case *l.Quantity > 10_000_000:
			fe.Add(at+".quantity", apperr.TooLarge, "must be at most %d", 10000000)
		}
	}
	return serials, fe.Err()
}

// insertSerials records the serials not yet scanned in stocktake id.
func insertSerials(ctx context.Context, id int64, serials []string, now time.Time, actor string) error {
	for start := 0; start < len(serials); start += 500 {
		chunk := serials[start:min(start+500, len(serials))]
		var have []string
		conn := db.Conn(ctx)
		if err := conn.Model(&countRow{}).Where("stocktake_id = ? AND "+serialKey(conn, "serial")+" IN ?", id, normAll(chunk)).
			Pluck("serial", &have).Error; err != nil {
			return fmt.Errorf("stocktake %d: scanned serials: %w", id, err)
		}
		have = normAll(have)
		rows := make([]countRow, 0, len(chunk))
		for _, sn := range chunk {
			if !slices.Contains(have, NormSerial(sn)) {
				rows = append(rows, countRow{StocktakeID: id, Serial: &sn, At: now, Actor: actor})
			}
		}
		if len(rows) == 0 {
			continue
		}
		if err := db.Conn(ctx).Create(&rows).Error; err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Conflict("a serial was scanned by someone else meanwhile; send the batch again")
			}
			return fmt.Errorf("stocktake %d: record serials: %w", id, err)
		}
	}
	return nil
}

// setCounted sets the counted quantity of a consumable, replacing an earlier count.
func setCounted(ctx context.Context, id, productID, qty int64, now time.Time, actor string) error {
	res := db.Conn(ctx).Model(&countRow{}).Where("stocktake_id = ? AND product_id = ?", id, productID).
		Updates(map[string]any{"quantity": qty, "at": now, "actor": actor})
	if res.Error != nil {
		return fmt.Errorf("stocktake %d: count product %d: %w", id, productID, res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	if err := db.Conn(ctx).Create(&countRow{StocktakeID: id, ProductID: &productID, Quantity: &qty, At: now, Actor: actor}).Error; err != nil {
		if db.IsUniqueViolation(err) {
			return apperr.Conflict("product %d was counted by someone else meanwhile; send the batch again", productID)
		}
		return fmt.Errorf("stocktake %d: count product %d: %w", id, productID, err)
	}
	return nil
}

// GetStocktake returns stocktake id with its result (staff): while open, the
// differences with the books now; once confirmed, those that were booked. It returns
// NotFound for an unknown id.
func (s *Service) GetStocktake(ctx context.Context, id int64) (*Stocktake, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	st, err := findStocktake(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if st.Result, err = s.StocktakeResult(ctx, id); err != nil {
		return nil, err
	}
	return st, nil
}

// StocktakeResult compares stocktake id with the books (staff): missing devices (on a
// shelf at the location by the books, not scanned), unexpected serials (scanned, not on
// a shelf there by the books) and miscounted consumables (counted ≠ on hand there). For
// a confirmed stocktake it returns the differences as they were confirmed. It returns
// NotFound for an unknown id.
func (s *Service) StocktakeResult(ctx context.Context, id int64) (*StocktakeResult, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	st, err := findStocktake(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if st.Status == StocktakeConfirmed && st.ResultJSON != nil {
		var r StocktakeResult
		if err := json.Unmarshal([]byte(*st.ResultJSON), &r); err != nil {
			return nil, fmt.Errorf("stocktake %d: stored result: %w", id, err)
		}
		return &r, nil
	}
	return computeStocktake(ctx, st)
}

// computeStocktake compares the counts of st with the books now.
func computeStocktake(ctx context.Context, st *Stocktake) (*StocktakeResult, error) {
	r := &StocktakeResult{Missing: []StocktakeDevice{}, Unexpected: []UnexpectedSerial{}, Miscounted: []StocktakeMiscount{}}
	conn := db.Conn(ctx)
	var scanned []string
	if err := conn.Model(&countRow{}).Where("stocktake_id = ? AND serial IS NOT NULL", st.ID).Order("id").
		Pluck("serial", &scanned).Error; err != nil {
		return nil, fmt.Errorf("stocktake %d: scanned: %w", st.ID, err)
	}
	r.Scanned = len(scanned)
	r.Counted = len(scanned) > 0
	var booked []StocktakeDevice
	if err := conn.Table("devices d").
		Select("d.id AS device_id, d.serial, d.product_id, p.sku, d.state").
		Joins("JOIN products p ON p.id = d.product_id").
		Where("d.location_id = ? AND d.state IN ?", st.LocationID, countedStates).
		Order("p.sku, d.serial").Scan(&booked).Error; err != nil {
		return nil, fmt.Errorf("stocktake %d: booked devices: %w", st.ID, err)
	}
	isScanned := make(map[string]bool, len(scanned))
	for _, sn := range scanned {
		isScanned[NormSerial(sn)] = true
	}
	here := make(map[string]bool, len(booked))
	for _, d := range booked {
		here[NormSerial(d.Serial)] = true
		if !isScanned[NormSerial(d.Serial)] {
			r.Missing = append(r.Missing, d)
		}
	}
	var strangers []string
	for _, sn := range scanned {
		if here[NormSerial(sn)] {
			r.Matched++
		} else {
			strangers = append(strangers, sn)
		}
	}
	if err := unexpected(ctx, st.LocationID, strangers, r); err != nil {
		return nil, fmt.Errorf("stocktake %d: %w", st.ID, err)
	}
	if err := miscounted(ctx, st, r); err != nil {
		return nil, fmt.Errorf("stocktake %d: %w", st.ID, err)
	}
	return r, nil
}

// unexpected lists the serials scanned at locationID that are not on a shelf there,
// with the devices that carry them.
func unexpected(ctx context.Context, locationID int64, serials []string, r *StocktakeResult) error {
	type row struct {
		DeviceID     int64
		Serial       string
		ProductID    int64
		SKU          string `gorm:"column:sku"`
		State        State
		LocationID   *int64
		LocationCode *string
	}
	bySerial := map[string][]row{}
	for start := 0; start < len(serials); start += 1000 {
		chunk := serials[start:min(start+1000, len(serials))]
		var rows []row
		conn := db.Conn(ctx)
		if err := conn.Table("devices d").
			Select("d.id AS device_id, d.serial, d.product_id, p.sku, d.state, d.location_id, l.code AS location_code").
			Joins("JOIN products p ON p.id = d.product_id").
			Joins("LEFT JOIN locations l ON l.id = d.location_id").
			Where(serialKey(conn, "d.serial")+" IN ?", normAll(chunk)).Order("d.serial, p.sku").Scan(&rows).Error; err != nil {
			return fmt.Errorf("unexpected serials: %w", err)
		}
		for _, x := range rows {
			bySerial[NormSerial(x.Serial)] = append(bySerial[NormSerial(x.Serial)], x)
		}
	}
	for _, sn := range serials {
		ds := bySerial[NormSerial(sn)]
		if len(ds) == 0 {
			r.Unexpected = append(r.Unexpected, UnexpectedSerial{Serial: sn})
			continue
		}
		for _, d := range ds {
			u := UnexpectedSerial{Serial: sn, DeviceID: &d.DeviceID, ProductID: &d.ProductID, SKU: d.SKU,
				State: &d.State, LocationID: d.LocationID, LocationCode: d.LocationCode}
			u.Relocate = !d.State.Terminal() && (d.LocationID == nil || *d.LocationID != locationID)
			r.Unexpected = append(r.Unexpected, u)
		}
	}
	return nil
}

// miscounted lists the counted consumables whose count differs from the ledger.
func miscounted(ctx context.Context, st *Stocktake, r *StocktakeResult) error {
	var rows []StocktakeMiscount
	err := db.Conn(ctx).Table("stocktake_counts c").
		Select(`c.product_id, p.sku, p.name, c.quantity AS counted,
			COALESCE((SELECT SUM(m.delta_on_hand) FROM stock_movements m
				WHERE m.product_id = c.product_id AND m.location_id = ?), 0) AS booked`, st.LocationID).
		Joins("JOIN products p ON p.id = c.product_id").
		Where("c.stocktake_id = ? AND c.quantity IS NOT NULL", st.ID).
		Order("p.sku").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("miscounted: %w", err)
	}
	r.Counted = r.Counted || len(rows) > 0
	for _, x := range rows {
		if x.Difference = x.Counted - x.Booked; x.Difference != 0 {
			r.Miscounted = append(r.Miscounted, x)
		}
	}
	return nil
}

// ConfirmStocktake books the differences of open stocktake id (logistics), in one
// transaction: missing devices become lost, unexpected devices in a non-terminal state
// elsewhere are moved to this location (state unchanged), consumable differences become
// ledger adjustments; the stocktake is then confirmed with the result it booked. It
// returns NotFound for an unknown id, Invalid without a reason, and Conflict when the
// stocktake is already confirmed, when nothing was counted but devices are booked there
// (they would all be lost), or when a device changed meanwhile.
func (s *Service) ConfirmStocktake(ctx context.Context, id int64, reason string) (*Stocktake, error) {
	p, err := auth.Require(ctx, auth.RoleLogistics)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, apperr.Invalid(apperr.Field("reason", apperr.Required, "is required"))
	case len(reason) > 500:
		return nil, apperr.Invalid(apperr.Field("reason", apperr.TooLong, "must be at most %d characters", 500))
	}
	var out *Stocktake
	err = db.WithTx(ctx, func(ctx context.Context) error {
		st, err := findStocktake(ctx, id, true)
		if err != nil {
			return err
		}
		if st.Status != StocktakeOpen {
			return apperr.ConflictCode(CodeStocktakeClosed, "stocktake %d is already %s", id, st.Status)
		}
		before := *st
		r, err := computeStocktake(ctx, st)
		if err != nil {
			return err
		}
		if !r.Counted && len(r.Missing) > 0 {
			return apperr.ConflictCode(CodeStocktakeUncounted,
				"nothing has been counted in stocktake %d; confirming would book %d devices lost", id, len(r.Missing))
		}
		arrived, err := s.bookStocktake(ctx, st, r, reason, p.Name)
		if err != nil {
			return err
		}
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("stocktake %d: result: %w", id, err)
		}
		now := time.Now().UTC()
		res := db.Conn(ctx).Model(&Stocktake{}).Where("id = ? AND status = ?", id, StocktakeOpen).Updates(map[string]any{
			"status": StocktakeConfirmed, "confirmed_at": now, "confirmed_by": p.Name, "reason": reason, "result": string(b)})
		if res.Error != nil {
			return fmt.Errorf("confirm stocktake %d: %w", id, res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.ConflictCode(CodeStocktakeClosed, "stocktake %d was %s meanwhile", id, StocktakeConfirmed)
		}
		st.Status, st.ConfirmedAt, st.ConfirmedBy, st.Reason, st.Result = StocktakeConfirmed, &now, &p.Name, reason, r
		out = st
		if err := audit.Record(ctx, "confirm", "stocktake", id, before, map[string]any{
			"status": st.Status, "reason": reason, "missing": len(r.Missing), "unexpected": len(r.Unexpected),
			"miscounted": r.Miscounted}); err != nil {
			return err
		}
		return s.stockArrived(ctx, arrived...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bookStocktake applies the differences r of st and returns the products whose
// availability rose.
func (s *Service) bookStocktake(ctx context.Context, st *Stocktake, r *StocktakeResult, reason, actor string) ([]int64, error) {
	var arrived []int64
	missing := make([]int64, len(r.Missing))
	for i, m := range r.Missing {
		missing[i] = m.DeviceID
	}
	// The orders holding missing devices first: the lock order of the order workflows.
	if err := s.lockWithHolders(ctx, missing); err != nil {
		return nil, err
	}
	for _, m := range r.Missing {
		d, err := findDevice(ctx, m.DeviceID, true)
		if err != nil {
			return nil, err
		}
		if d.State != m.State || d.LocationID == nil || *d.LocationID != st.LocationID {
			return nil, apperr.ConflictCode(CodeDeviceChanged, "device %s changed meanwhile; look at the stocktake again and confirm", d.Serial)
		}
		if _, err := s.apply(ctx, d, Lost, Change{Why: Because(WhyStocktakeMissing, st.ID)}); err != nil {
			return nil, err
		}
	}
	for _, u := range r.Unexpected {
		if !u.Relocate {
			continue
		}
		d, err := findDevice(ctx, *u.DeviceID, true)
		if err != nil {
			return nil, err
		}
		if d.State != *u.State {
			return nil, apperr.ConflictCode(CodeDeviceChanged, "device %s changed meanwhile; look at the stocktake again and confirm", d.Serial)
		}
		before := *d
		loc := st.LocationID
		d.LocationID, d.UpdatedAt = &loc, time.Now().UTC()
		res := db.Conn(ctx).Model(&Device{}).Where("id = ? AND state = ?", d.ID, d.State).
			Updates(map[string]any{"location_id": loc, "updated_at": d.UpdatedAt})
		if res.Error != nil {
			return nil, fmt.Errorf("relocate device %d: %w", d.ID, res.Error)
		}
		if res.RowsAffected != 1 {
			return nil, apperr.ConflictCode(CodeDeviceChanged, "device %s changed meanwhile; look at the stocktake again and confirm", d.Serial)
		}
		if err := s.countMove(ctx, &before, d); err != nil {
			return nil, err
		}
		if err := s.recordEvent(ctx, d, string(d.State), Change{Why: Because(WhyStocktakeFound, st.ID)}); err != nil {
			return nil, err
		}
		if err := audit.Record(ctx, "relocate", "device", d.ID, before, d); err != nil {
			return nil, err
		}
		if d.State == Available && !d.Recalled {
			arrived = append(arrived, d.ProductID)
		}
	}
	now := time.Now().UTC()
	for _, m := range r.Miscounted {
		mv := Movement{At: now, ProductID: m.ProductID, LocationID: st.LocationID, Kind: MoveAdjusted,
			DeltaOnHand: m.Difference, StocktakeID: &st.ID, Actor: actor,
			Note: truncate(fmt.Sprintf("stocktake %d: counted %d, booked %d: %s", st.ID, m.Counted, m.Booked, reason), 500)}
		if err := recordMovement(ctx, &mv); err != nil {
			return nil, fmt.Errorf("stocktake %d: adjust product %d: %w", st.ID, m.ProductID, err)
		}
		if m.Difference > 0 {
			arrived = append(arrived, m.ProductID)
		}
	}
	slices.Sort(arrived)
	return slices.Compact(arrived), nil
}

func findStocktake(ctx context.Context, id int64, lock bool) (*Stocktake, error) {
	q := db.Conn(ctx)
	if lock {
		q = db.ForUpdate(q)
	}
	var st Stocktake
	err := q.Take(&st, id).Error
	if db.IsNotFound(err) {
		return nil, apperr.NotFound("stocktake %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find stocktake %d: %w", id, err)
	}
	return &st, nil
}
