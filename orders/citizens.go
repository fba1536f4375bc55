package orders

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/audit"
	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Erasing citizens' data (PRODUCT.md): a configurable time after the last device came
// back from a citizen, the citizen's name, address and phone on orders, returns and
// shipments are erased, and the member's citizen reference becomes a pseudonym
// ("anon-<n>") on orders, devices and their history, and in the audit trail. What
// billing and reports need survives: members, dates, states, counts, devices.
//
// A citizen is a member's citizen reference on orders. One is due when none of its
// orders is open, no device is held for it, and the last of its orders and device
// steps is older than the retention. The daily job takes due citizens in batches, each
// batch in one transaction, and writes one audit entry per run; it is idempotent (an
// erased citizen carries a pseudonym and is never due again).

// TypeAnonymiseCitizens is the daily task that runs AnonymiseCitizens.
const TypeAnonymiseCitizens = "orders:anonymise-citizens"

// DefaultCitizenRetention is how long a citizen's data is kept after the last device
// came back, unless configured (FSC_CITIZEN_RETENTION).
const DefaultCitizenRetention = 90 * 24 * time.Hour

// PseudonymPrefix starts every pseudonym of an erased citizen.
const PseudonymPrefix = "anon-"

// anonymiseBatch is how many citizens one transaction erases.
var anonymiseBatch = 100

type citizenKey struct {
	MemberID   int64
	CitizenRef string
}

// AnonymiseCitizens erases the data of every citizen due at now and returns how many
// it erased. The caller is the system (the job) or an admin.
func (s *Service) AnonymiseCitizens(ctx context.Context, now time.Time) (int, error) {
	if _, err := auth.Require(ctx, auth.RoleAdmin); err != nil {
		return 0, err
	}
	retention := s.CitizenRetention
	if retention <= 0 {
		retention = DefaultCitizenRetention
	}
	cutoff := now.UTC().Add(-retention)
	erased, looked := 0, 0
	var after citizenKey
	for {
		cands, err := dueCitizens(ctx, cutoff, after, anonymiseBatch)
		if err != nil || len(cands) == 0 {
			if err != nil {
				return erased, err
			}
			break
		}
		looked += len(cands)
		err = db.WithTx(ctx, func(ctx context.Context) error {
			for _, c := range cands {
				held, last, err := s.Inventory.CitizenActivity(ctx, c.MemberID, c.CitizenRef)
				if err != nil {
					return err
				}
				if held || last.After(cutoff) {
					continue
				}
				if err := s.anonymiseCitizen(ctx, c, now); err != nil {
					return err
				}
				erased++
			}
			return nil
		})
		if err != nil {
			return erased, err
		}
		after = cands[len(cands)-1]
	}
	err := db.WithTx(ctx, func(ctx context.Context) error {
		return audit.Record(ctx, "anonymise", "citizens", 0, nil, map[string]any{
			"erased": erased, "looked_at": looked, "retention": retention.String(), "cutoff": cutoff})
	})
	if erased > 0 {
		slog.Info("citizen data erased", "citizens", erased, "cutoff", cutoff)
	}
	return erased, err
}

// dueCitizens returns up to limit citizens after key after (by member, reference) whose
// orders are all closed and last changed before cutoff, not yet erased.
func dueCitizens(ctx context.Context, cutoff time.Time, after citizenKey, limit int) ([]citizenKey, error) {
	var out []citizenKey
	err := db.Conn(ctx).Table("orders").Select("member_id, citizen_ref").
		Where("citizen_ref NOT LIKE ?", PseudonymPrefix+"%").
		Where("member_id > ? OR (member_id = ? AND citizen_ref > ?)", after.MemberID, after.MemberID, after.CitizenRef).
		Group("member_id, citizen_ref").
		Having("SUM(CASE WHEN status IN ? THEN 1 ELSE 0 END) = 0 AND MAX(updated_at) < ?", []Status{Backordered, Reserved, Dispatching, Shipped}, cutoff).
		Order("member_id, citizen_ref").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("citizens due for erasure: %w", err)
	}
	return out, nil
}

// citizenErasure is the record of one erased citizen: its id makes the pseudonym; it
// holds nothing of the citizen.
type citizenErasure struct {
	ID       int64 `gorm:"primaryKey"`
	MemberID int64
	ErasedAt time.Time
}

// TableName keeps the table name stable.
func (citizenErasure) TableName() string { return "citizen_erasures" }

type addressRow struct {
	ID                                  int64
	Name, Street, Postcode, City, Phone string
	Note                                string
}

// anonymiseCitizen erases citizen c in the caller's transaction.
func (s *Service) anonymiseCitizen(ctx context.Context, c citizenKey, now time.Time) error {
	conn := db.Conn(ctx)
	er := &citizenErasure{MemberID: c.MemberID, ErasedAt: now.UTC()}
	if err := conn.Create(er).Error; err != nil {
		return fmt.Errorf("record erasure: %w", err)
	}
	pseudonym := fmt.Sprintf("%s%d", PseudonymPrefix, er.ID)
	values := map[string]string{c.CitizenRef: pseudonym}
	collect := func(rows []addressRow) []int64 {
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			for _, v := range []string{r.Name, r.Street, r.Postcode, r.City, r.Phone, r.Note} {
				if strings.TrimSpace(v) != "" {
					values[v] = ""
				}
			}
		}
		return ids
	}

	var os []addressRow
	if err := conn.Table("orders").Select(`id, delivery_name AS name, delivery_street AS street, delivery_postcode AS postcode,
		delivery_city AS city, delivery_phone AS phone, note`).Where("member_id = ? AND citizen_ref = ?", c.MemberID, c.CitizenRef).
		Scan(&os).Error; err != nil {
		return fmt.Errorf("orders of a citizen: %w", err)
	}
	orderIDs := collect(os)
	if err := conn.Table("orders").Where("id IN ?", orderIDs).Updates(map[string]any{"citizen_ref": pseudonym,
		"delivery_name": "", "delivery_street": "", "delivery_postcode": "", "delivery_city": "", "delivery_phone": "", "note": ""}).Error; err != nil {
		return fmt.Errorf("erase orders: %w", err)
	}
	returnIDs, shipmentIDs, err := s.Inventory.AnonymiseCitizen(ctx, c.MemberID, c.CitizenRef, pseudonym)
	if err != nil {
		return err
	}
	var rs []addressRow
	if len(returnIDs) > 0 {
		if err := conn.Table("returns").Select(`id, pickup_name AS name, pickup_street AS street, pickup_postcode AS postcode,
			pickup_city AS city, pickup_phone AS phone`).Where("id IN ?", returnIDs).Scan(&rs).Error; err != nil {
			return fmt.Errorf("returns of a citizen: %w", err)
		}
		collect(rs)
		if err := conn.Table("returns").Where("id IN ?", returnIDs).Updates(map[string]any{
			"pickup_name": "", "pickup_street": "", "pickup_postcode": "", "pickup_city": "", "pickup_phone": ""}).Error; err != nil {
			return fmt.Errorf("erase returns: %w", err)
		}
	}
	var shs []addressRow
	q := conn.Table("shipments").Select(`id, recipient_name AS name, recipient_street AS street, recipient_postcode AS postcode,
		recipient_city AS city, recipient_phone AS phone`).Where("order_id IN ?", orderIDs)
	if len(returnIDs) > 0 {
		q = q.Or("return_id IN ?", returnIDs)
	}
	if len(shipmentIDs) > 0 {
		q = q.Or("id IN ?", shipmentIDs)
	}
	if err := q.Scan(&shs).Error; err != nil {
		return fmt.Errorf("shipments of a citizen: %w", err)
	}
	shipIDs := collect(shs)
	if len(shipIDs) > 0 {
		if err := conn.Table("shipments").Where("id IN ?", shipIDs).Updates(map[string]any{
			"recipient_name": "", "recipient_street": "", "recipient_postcode": "", "recipient_city": "", "recipient_phone": ""}).Error; err != nil {
			return fmt.Errorf("erase shipments: %w", err)
		}
	}
	for entity, ids := range map[string][]int64{"order": orderIDs, "return": collect(rs), "shipment": shipIDs} {
		if err := audit.Scrub(ctx, entity, ids, values); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612020250_orders_citizen_erasures",
		Migrate: func(tx *gorm.DB) error {
			type member struct{ ID int64 }
			type citizenErasure struct {
				ID       int64     `gorm:"primaryKey"`
				MemberID int64     `gorm:"not null;index"`
				Member   *member   `gorm:"constraint:OnDelete:RESTRICT"`
				ErasedAt time.Time `gorm:"not null"`
			}
			if err := db.CreateTables(tx, db.Table{Name: "citizen_erasures", Model: &citizenErasure{}}); err != nil {
				return err
			}
			return tx.Exec("CREATE INDEX idx_orders_member_citizen ON orders (member_id, citizen_ref)").Error
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX idx_orders_member_citizen").Error; err != nil {
				return err
			}
			return tx.Migrator().DropTable("citizen_erasures")
		},
	})
}
