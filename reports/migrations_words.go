package reports

import (
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// The code and arguments of a line's description and an unbilled item's reason
// (Words), so that the pages say them in the reader's language.
//
// The rows of finalised runs are frozen by createFreeze's triggers, so nothing here
// updates a row: ALTER TABLE … ADD COLUMN with a default fires no row trigger in either
// dialect and, unlike gorm's migrator on SQLite, does not rebuild the table (which
// would drop its triggers). The rows stored before keep an empty code and the pages
// show their English text; a draft gets codes when it is computed again.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612110900_reports_billing_words",
		Migrate: func(tx *gorm.DB) error {
			return db.ExecAll(tx,
				"ALTER TABLE billing_lines ADD COLUMN description_code varchar(32) NOT NULL DEFAULT ''",
				"ALTER TABLE billing_lines ADD COLUMN description_args text NOT NULL DEFAULT ''",
				"ALTER TABLE billing_unbilled ADD COLUMN reason_code varchar(32) NOT NULL DEFAULT ''",
				"ALTER TABLE billing_unbilled ADD COLUMN reason_args text NOT NULL DEFAULT ''")
		},
		Rollback: func(tx *gorm.DB) error {
			return db.ExecAll(tx,
				"ALTER TABLE billing_unbilled DROP COLUMN reason_args",
				"ALTER TABLE billing_unbilled DROP COLUMN reason_code",
				"ALTER TABLE billing_lines DROP COLUMN description_args",
				"ALTER TABLE billing_lines DROP COLUMN description_code")
		},
	})
}
