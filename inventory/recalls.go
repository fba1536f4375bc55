package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/apperr"
	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

// ReservableFilter returns the SQL condition on the devices table that a device must
// meet to be reserved: on the shelf and not recalled.
func ReservableFilter() string { return "state = 'available' AND NOT recalled" }

// Recall is a vendor's recall of devices of one product.
type Recall struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	ProductID int64     `json:"product_id"`
	SKU       string    `json:"sku" gorm:"->;-:migration;column:sku"`
	VendorRef string    `json:"vendor_ref"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// DeviceCount is how many devices the recall covers.
	DeviceCount int64 `json:"device_count" gorm:"->;-:migration;column:device_count"`
	// Devices is where each recalled device is; GetRecall fills it.
	Devices []RecalledDevice `json:"devices,omitempty" gorm:"-"`
}

// RecalledDevice is a recalled device and where it is: a location while it is with the
// centre, the member and citizen while it is on its way to, at, or back from a citizen.
type RecalledDevice struct {
	DeviceID     int64   `json:"device_id"`
	Serial       string  `json:"serial"`
	State        State   `json:"state"`
	LocationID   *int64  `json:"location_id"`
	LocationCode *string `json:"location_code"`
	LocationName *string `json:"location_name"`
	MemberID     *int64  `json:"member_id"`
	MemberCode   *string `json:"member_code"`
	MemberName   *string `json:"member_name"`
	CitizenRef   *string `json:"citizen_ref"`
}

// NewRecall recalls devices of one product: either a list of serials or the inclusive
// range serial_from..serial_to (compared as text, byte by byte, case-folded).
type NewRecall struct {
	ProductID  int64    `json:"product_id"`
	VendorRef  string   `json:"vendor_ref" validate:"max=200"`
	Reason     string   `json:"reason" validate:"max=2000"`
	Serials    []string `json:"serials" validate:"max=10000,dive,max=64"`
	SerialFrom string   `json:"serial_from" validate:"max=64"`
	SerialTo   string   `json:"serial_to" validate:"max=64"`
}

// atCitizen are the states in which a device is with, or on its way to or from, a
// member's citizen rather than at a location.
var atCitizen = []State{InTransit, Deployed, Returning}

// CreateRecall marks devices of a product as recalled (admin, logistics); recalled
// devices cannot be reserved. It returns Invalid naming every bad field: product_id
// (unknown or not tracked by serial), vendor_ref, reason, serials (neither or both of a
// list and a range, or nothing matched), serials[i] (empty, unknown for the product, or
// already recalled), serial_from and serial_to.
func (s *Service) CreateRecall(ctx context.Context, in NewRecall) (*Recall, error) {
	p, err := auth.Require(ctx, writers...)
	if err != nil {
		return nil, err
	}
	in.VendorRef, in.Reason = strings.TrimSpace(in.VendorRef), strings.TrimSpace(in.Reason)
	in.SerialFrom, in.SerialTo = strings.TrimSpace(in.SerialFrom), strings.TrimSpace(in.SerialTo)
	var out *Recall
	err = db.WithTx(ctx, func(ctx context.Context) error {
		ids, err := recallDevices(ctx, &in)
		if err != nil {
			return err
		}
		r := &Recall{ProductID: in.ProductID, VendorRef: in.VendorRef, Reason: in.Reason, CreatedAt: time.Now().UTC(), CreatedBy: p.Name}
		if err := db.Conn(ctx).Omit("SKU", "DeviceCount").Create(r).Error; err != nil {
			return fmt.Errorf("create recall: %w", err)
		}
		// The orders holding any of them first: the lock order of the order workflows.
		if err := s.lockWithHolders(ctx, ids); err != nil {
			return err
		}
		for start := 0; start < len(ids); start += 1000 {
			chunk := ids[start:min(start+1000, len(ids))]
			res := db.Conn(ctx).Model(&Device{}).Where("id IN ? AND NOT recalled", chunk).
				Updates(map[string]any{"recalled": true, "recall_id": r.ID, "updated_at": r.CreatedAt})
			if res.Error != nil {
				return fmt.Errorf("recall devices: %w", res.Error)
			}
			if res.RowsAffected != int64(len(chunk)) {
				return apperr.Conflict("a device was recalled by someone else meanwhile; submit again")
			}
		}
		if err := countRecalled(ctx, r.ID); err != nil {
			return err
		}
		// A recalled device that an order holds leaves it: back on the shelf, where it
		// is never reserved again, and the order reserves other stock (see apply).
		held, err := reservedDevicesAmong(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range held {
			d, err := findDevice(ctx, id, true)
			if err != nil {
				return err
			}
			if d.State != Reserved {
				continue
			}
			if _, err := s.apply(ctx, d, Available, Change{Why: Because(WhyRecall, r.ID, r.VendorRef, r.Reason)}); err != nil {
				return err
			}
		}
		r.DeviceCount = int64(len(ids))
		out = r
		return audit.Record(ctx, "create", "recall", r.ID, nil, map[string]any{
			"product_id": r.ProductID, "vendor_ref": r.VendorRef, "reason": r.Reason,
			"serials": in.Serials, "serial_from": in.SerialFrom, "serial_to": in.SerialTo, "device_count": r.DeviceCount})
	})
	if err != nil {
		return nil, err
	}
	if pr, err := findProduct(ctx, out.ProductID); err == nil {
		out.SKU = pr.SKU
	}
	return out, nil
}

// recallDevices checks in and returns the ids of the devices it recalls.
func recallDevices(ctx context.Context, in *NewRecall) ([]int64, error) {
	var fe apperr.Fields
	var pr *Product
	if in.ProductID <= 0 {
		fe.Add("product_id", apperr.Required, "is required")
	} else if p, err := findProduct(ctx, in.ProductID); apperr.Is(err, apperr.KindNotFound) {
		fe.Add("product_id", apperr.Unknown, "no product with id %d", in.ProductID)
	} else if err != nil {
		return nil, err
	} else if p.Tracking != TrackSerial {
		fe.Add("product_id", CodeTrackedByQuantity, "product %s is counted by quantity; only serialised devices can be recalled", p.SKU)
	} else {
		pr = p
	}
	switch {
	case in.VendorRef == "":
		fe.Add("vendor_ref", apperr.Required, "is required")
	case len(in.VendorRef) > 100:
		fe.Add("vendor_ref", apperr.TooLong, "must be at most %d characters", 100)
	}
	switch {
	case in.Reason == "":
		fe.Add("reason", apperr.Required, "is required")
	case len(in.Reason) > 2000:
		fe.Add("reason", apperr.TooLong, "must be at most %d characters", 2000)
	}
	byRange := in.SerialFrom != "" || in.SerialTo != ""
	switch {
	case len(in.Serials) > 0 && byRange:
		fe.Add("serials", apperr.Either, "give either a list of serials or %s and serial_to, not both", "serial_from")
	case len(in.Serials) == 0 && !byRange:
		fe.Add("serials", apperr.EitherNone, "give a list of serials or %s and serial_to", "serial_from")
	case len(in.Serials) > MaxReceiptSerials:
		fe.Add("serials", apperr.TooMany, "at most %d serials in one recall; use a range", MaxReceiptSerials)
	case byRange && in.SerialFrom == "":
		fe.Add("serial_from", apperr.Required, "is required with serial_to")
	case byRange && in.SerialTo == "":
		fe.Add("serial_to", apperr.Required, "is required with serial_from")
	case byRange && NormSerial(in.SerialTo) < NormSerial(in.SerialFrom):
		fe.Add("serial_to", CodeRangeOrder, "must not come before %s", "serial_from")
	}
	for i, raw := range in.Serials {
		if in.Serials[i] = strings.TrimSpace(raw); in.Serials[i] == "" {
			fe.Add(fmt.Sprintf("serials[%d]", i), apperr.Required, "is empty")
		}
	}
	switch {
	case pr == nil:
		return nil, fe.Err()
	case byRange && len(in.Serials) == 0:
		if len(fe) > 0 {
			return nil, fe.Err()
		}
		return recallRange(ctx, pr, in.SerialFrom, in.SerialTo)
	case len(in.Serials) > 0 && !byRange && len(in.Serials) <= MaxReceiptSerials:
		// Name every unknown serial along with the other errors.
		ids, err := recallList(ctx, pr, in.Serials, &fe)
		if err != nil {
			return nil, err
		}
		return ids, fe.Err()
	}
	return nil, fe.Err()
}

type recallCandidate struct {
	ID       int64
	Serial   string
	Recalled bool
	RecallID *int64
}

// recallList resolves a list of serials, naming each unknown or already recalled one.
func recallList(ctx context.Context, pr *Product, list []string, fe *apperr.Fields) ([]int64, error) {
	found := map[string]recallCandidate{}
	for start := 0; start < len(list); start += 1000 {
		chunk := list[start:min(start+1000, len(list))]
		var ds []recallCandidate
		conn := db.Conn(ctx)
		if err := conn.Table("devices").Select("id, serial, recalled, recall_id").
			Where("product_id = ? AND "+serialKey(conn, "serial")+" IN ?", pr.ID, normAll(chunk)).Scan(&ds).Error; err != nil {
			return nil, fmt.Errorf("recall: find serials: %w", err)
		}
		for _, d := range ds {
			found[NormSerial(d.Serial)] = d
		}
	}
	var ids []int64
	done := map[string]bool{}
	for i, sn := range list {
		d, ok := found[NormSerial(sn)]
		switch {
		case sn == "" || done[NormSerial(sn)]:
		case !ok:
			fe.Add(fmt.Sprintf("serials[%d]", i), CodeNoSuchSerial, "no device of %s has serial %s", pr.SKU, sn)
		case d.Recalled:
			fe.Add(fmt.Sprintf("serials[%d]", i), CodeAlreadyRecalled, "device %s is already recalled (recall %d)", sn, deref(d.RecallID))
		default:
			ids = append(ids, d.ID)
		}
		done[NormSerial(sn)] = true
	}
	return ids, nil
}

func deref(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// recallRange returns the devices of pr whose serial lies in [from, to], compared byte
// by byte on every dialect; devices already recalled are left with their recall.
func recallRange(ctx context.Context, pr *Product, from, to string) ([]int64, error) {
	q := db.Conn(ctx).Table("devices").Select("id, serial, recalled, recall_id").Where("product_id = ?", pr.ID)
	k := serialKey(q, "serial")
	q = q.Where(k+" >= ? AND "+k+" <= ?", NormSerial(from), NormSerial(to))
	var ds []recallCandidate
	if err := q.Order("id").Scan(&ds).Error; err != nil {
		return nil, fmt.Errorf("recall: find range: %w", err)
	}
	var ids []int64
	already := 0
	for _, d := range ds {
		if d.Recalled {
			already++
			continue
		}
		ids = append(ids, d.ID)
	}
	switch {
	case len(ids) == 0 && already > 0:
		return nil, apperr.Invalid(apperr.Field("serials", CodeRangeRecalled, "all %d devices of %s from %s to %s are already recalled", already, pr.SKU, from, to))
	case len(ids) == 0:
		return nil, apperr.Invalid(apperr.Field("serials", CodeRangeEmpty, "no device of %s has a serial from %s to %s", pr.SKU, from, to))
	}
	return ids, nil
}

// ListRecalls returns every recall, newest first, with its device count (staff).
func (s *Service) ListRecalls(ctx context.Context) ([]Recall, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	var out []Recall
	if err := recallQuery(ctx).Order("r.id DESC").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list recalls: %w", err)
	}
	return out, nil
}

// GetRecall returns recall id with every recalled device and where it is (staff): the
// location while it is with the centre, the member and citizen while it is in transit,
// deployed or returning. It returns NotFound for an unknown id.
func (s *Service) GetRecall(ctx context.Context, id int64) (*Recall, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	var rs []Recall
	if err := recallQuery(ctx).Where("r.id = ?", id).Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("recall %d: %w", id, err)
	}
	if len(rs) == 0 {
		return nil, apperr.NotFound("recall %d not found", id)
	}
	r := &rs[0]
	var ds []RecalledDevice
	err := db.Conn(ctx).Table("devices d").
		Select(`d.id AS device_id, d.serial, d.state, d.location_id, l.code AS location_code, l.name AS location_name,
			d.member_id, m.code AS member_code, m.name AS member_name, d.citizen_ref`).
		Joins("LEFT JOIN locations l ON l.id = d.location_id").
		Joins("LEFT JOIN members m ON m.id = d.member_id").
		Where("d.recall_id = ?", id).Order("d.serial").Scan(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("recall %d devices: %w", id, err)
	}
	for i := range ds {
		d := &ds[i]
		if slices.Contains(atCitizen, d.State) {
			d.LocationID, d.LocationCode, d.LocationName = nil, nil, nil
		} else {
			d.MemberID, d.MemberCode, d.MemberName, d.CitizenRef = nil, nil, nil, nil
		}
	}
	r.Devices = ds
	if r.Devices == nil {
		r.Devices = []RecalledDevice{}
	}
	return r, nil
}

func recallQuery(ctx context.Context) *gorm.DB {
	return db.Conn(ctx).Table("recalls r").
		Select(`r.*, p.sku AS sku, (SELECT COUNT(*) FROM devices d WHERE d.recall_id = r.id) AS device_count`).
		Joins("JOIN products p ON p.id = r.product_id")
}
