package inventory

import (
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The kind of a device event, so that a member's view of a history can tell a transfer
// (whose reason names the member it came from) from the other steps.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612020240_inventory_event_kind",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Exec("ALTER TABLE device_events ADD COLUMN kind varchar(16) NOT NULL DEFAULT ''").Error; err != nil {
				return err
			}
			return tx.Exec(`UPDATE device_events SET kind = 'transfer'
				WHERE from_state = 'deployed' AND to_state = 'deployed' AND reason LIKE 'transferred %'`).Error
		},
		Rollback: func(tx *gorm.DB) error { return tx.Exec("ALTER TABLE device_events DROP COLUMN kind").Error },
	})
}
