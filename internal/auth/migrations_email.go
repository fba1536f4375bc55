package auth

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// E-mails are stored in their one form (NormEmail). Rows written before every path
// normalised (or by hand) are brought to it, and a unique index on the trimmed lower-case
// form refuses a second spelling of an address even from outside the service.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612100010_auth_users_email_normalised",
		Migrate: func(tx *gorm.DB) error {
			var rows []struct {
				ID    int64
				Email string
			}
			if err := tx.Table("users").Select("id, email").Order("id").Find(&rows).Error; err != nil {
				return fmt.Errorf("read e-mails: %w", err)
			}
			byNorm := map[string][]int64{}
			for _, r := range rows {
				byNorm[NormEmail(r.Email)] = append(byNorm[NormEmail(r.Email)], r.ID)
			}
			var clashes []string
			for e, ids := range byNorm {
				if len(ids) > 1 {
					clashes = append(clashes, fmt.Sprintf("%s (users %v)", e, ids))
				}
			}
			if len(clashes) > 0 {
				// Which of two accounts is the person's cannot be guessed here.
				sort.Strings(clashes)
				return fmt.Errorf("e-mails that differ only in case or blanks: %s; change all but one of each, then migrate", strings.Join(clashes, "; "))
			}
			for _, r := range rows {
				if n := NormEmail(r.Email); n != r.Email {
					if err := tx.Table("users").Where("id = ?", r.ID).Update("email", n).Error; err != nil {
						return fmt.Errorf("normalise e-mail of user %d: %w", r.ID, err)
					}
				}
			}
			return tx.Exec("CREATE UNIQUE INDEX idx_users_email_norm ON users ((lower(trim(email))))").Error
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropIndex("users", "idx_users_email_norm") },
	})
}
