package orders

import (
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The day an order is due, in a column (Order.Due), with the indexes of the board's
// sort by it: alone, within a status tab and for one member.
func init() {
	idx := []string{
		"CREATE INDEX idx_orders_due ON orders (due_on, id)",
		"CREATE INDEX idx_orders_status_due ON orders (status, due_on, id)",
		"CREATE INDEX idx_orders_member_due ON orders (member_id, due_on, id)",
	}
	db.Register(&gormigrate.Migration{
		ID: "202612021130_orders_due_on",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Exec("ALTER TABLE orders ADD COLUMN due_on varchar(10)").Error; err != nil {
				return err
			}
			if err := tx.Exec("UPDATE orders SET due_on = requested_on WHERE requested_on IS NOT NULL").Error; err != nil {
				return err
			}
			if err := backfillDue(tx); err != nil {
				return err
			}
			return db.ExecAll(tx, idx...)
		},
		Rollback: func(tx *gorm.DB) error {
			for _, n := range []string{"idx_orders_due", "idx_orders_status_due", "idx_orders_member_due"} {
				if err := tx.Exec("DROP INDEX " + n).Error; err != nil {
					return err
				}
			}
			return tx.Exec("ALTER TABLE orders DROP COLUMN due_on").Error
		},
	})
}

// backfillDue gives the orders placed "as soon as possible" the day they were placed,
// in Copenhagen: a calendar neither SQL dialect shares, so in Go, a batch at a time.
func backfillDue(tx *gorm.DB) error {
	for {
		var rows []struct {
			ID        int64
			CreatedAt time.Time
		}
		if err := tx.Raw("SELECT id, created_at FROM orders WHERE due_on IS NULL ORDER BY id LIMIT 5000").Scan(&rows).Error; err != nil {
			return fmt.Errorf("orders without a due day: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		byDay := map[civil.Date][]int64{}
		for _, r := range rows {
			d := civil.Of(r.CreatedAt)
			byDay[d] = append(byDay[d], r.ID)
		}
		for d, ids := range byDay {
			if err := tx.Exec("UPDATE orders SET due_on = ? WHERE id IN ?", d, ids).Error; err != nil {
				return fmt.Errorf("due day of orders: %w", err)
			}
		}
	}
}
