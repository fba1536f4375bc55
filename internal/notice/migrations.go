package notice

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612010010_notices",
		Migrate: func(tx *gorm.DB) error {
			type notice struct {
				ID        int64     `gorm:"primaryKey"`
				Code      string    `gorm:"type:varchar(60);not null;index:idx_notices_code,priority:1"`
				Args      string    `gorm:"type:text;not null"`
				MemberID  *int64    `gorm:"index"`
				VendorID  *int64    `gorm:"index"`
				Entity    string    `gorm:"type:varchar(40);not null;default:'';index:idx_notices_entity,priority:1"`
				EntityID  int64     `gorm:"not null;default:0;index:idx_notices_entity,priority:2"`
				DedupeKey string    `gorm:"type:varchar(200);not null;uniqueIndex:uq_notices_key"`
				CreatedAt time.Time `gorm:"not null"`
			}
			// The primary key (role, notice_id) serves List: one role's notices, newest
			// first.
			type noticeAudience struct {
				Role     string  `gorm:"type:varchar(20);primaryKey;check:chk_notice_aud_role,role IN ('admin','logistics','support','finance','member','vendor')"`
				NoticeID int64   `gorm:"primaryKey;index"`
				Notice   *notice `gorm:"foreignKey:NoticeID;constraint:OnDelete:CASCADE"`
			}
			return db.CreateTables(tx, db.Table{Name: "notices", Model: &notice{}},
				db.Table{Name: "notice_audiences", Model: &noticeAudience{}})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("notice_audiences", "notices") },
	})
}
