package inventory

import (
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// A receipt may name the contract the goods came under. The column refers to contracts,
// whose table a contracts migration (earlier by id) creates; SQLite takes a REFERENCES
// clause on an added column when its default is NULL.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612010200_inventory_receipt_contract",
		Migrate: func(tx *gorm.DB) error {
			for _, s := range []string{
				"ALTER TABLE receipts ADD COLUMN contract_id BIGINT REFERENCES contracts(id)",
				"CREATE INDEX idx_receipts_contract_id ON receipts (contract_id)",
			} {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Exec("DROP INDEX idx_receipts_contract_id").Error; err != nil {
				return err
			}
			return tx.Migrator().DropColumn("receipts", "contract_id")
		},
	})
}
