package auth

import (
	"fmt"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// Vendor users belong to one vendor as member users belong to one member: users gain
// vendor_id with the same kind of CHECK (role 'vendor' exactly when vendor_id is set),
// and tokens carry it, so a session's principal knows its vendor. As with member_id the
// vendor is checked through VendorChecker, not by a foreign key: internal/auth knows no
// domain table.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612010020_auth_vendor_users",
		Migrate: func(tx *gorm.DB) error {
			// A vendor user made before vendors existed belongs to none; the CHECK would
			// refuse it, and no vendor can be guessed for it.
			var ids []int64
			if err := tx.Table("users").Where("role = ?", "vendor").Pluck("id", &ids).Error; err != nil {
				return err
			}
			if len(ids) > 0 {
				return fmt.Errorf("users %v have role vendor but no vendor; give them another role, migrate, then set their vendor", ids)
			}
			// SQLite cannot add a table constraint to an existing table, but takes a
			// named CHECK on the added column (tested against existing rows); PostgreSQL
			// wants it as a table constraint.
			stmts := []string{
				"ALTER TABLE users ADD COLUMN vendor_id BIGINT CONSTRAINT chk_users_vendor CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))",
				"ALTER TABLE tokens ADD COLUMN vendor_id BIGINT",
				"CREATE INDEX idx_users_vendor_id ON users (vendor_id)",
			}
			if db.DialectOf(tx) == db.Postgres {
				stmts[0] = "ALTER TABLE users ADD COLUMN vendor_id BIGINT"
				stmts = append(stmts, "ALTER TABLE users ADD CONSTRAINT chk_users_vendor CHECK ((role = 'vendor') = (vendor_id IS NOT NULL))")
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return fmt.Errorf("%s: %w", s, err)
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropIndex("users", "idx_users_vendor_id"); err != nil {
				return err
			}
			if err := tx.Migrator().DropColumn("tokens", "vendor_id"); err != nil {
				return err
			}
			return tx.Migrator().DropColumn("users", "vendor_id")
		},
	})
}
