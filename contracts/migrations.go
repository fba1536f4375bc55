package contracts

import (
	"time"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202611220100_contracts_members_schemes",
		Migrate: func(tx *gorm.DB) error {
			type member struct {
				ID                int64  `gorm:"primaryKey"`
				Code              string `gorm:"not null;uniqueIndex"`
				Name              string `gorm:"not null;index"`
				Kind              string `gorm:"not null;check:chk_members_kind,kind IN ('municipality','region')"`
				EAN               string `gorm:"column:ean;not null"`
				Inhabitants       int64  `gorm:"not null;default:0;check:chk_members_inh,inhabitants >= 0"`
				Inhabitants65Plus int64  `gorm:"column:inhabitants_65_plus;not null;default:0;check:chk_members_inh65,inhabitants_65_plus >= 0 AND inhabitants_65_plus <= inhabitants"`
				CreatedAt         time.Time
				UpdatedAt         time.Time
			}
			type scheme struct {
				ID        int64  `gorm:"primaryKey"`
				Code      string `gorm:"not null;uniqueIndex"`
				Name      string `gorm:"not null"`
				CreatedAt time.Time
			}
			type participation struct {
				ID        int64   `gorm:"primaryKey"`
				SchemeID  int64   `gorm:"not null;index:idx_part_scheme_member,priority:1"`
				Scheme    *scheme `gorm:"constraint:OnDelete:RESTRICT"`
				MemberID  int64   `gorm:"not null;index:idx_part_scheme_member,priority:2;index"`
				Member    *member `gorm:"constraint:OnDelete:RESTRICT"`
				JoinedOn  string  `gorm:"type:varchar(10);not null"`
				LeftOn    *string `gorm:"type:varchar(10);check:chk_part_period,left_on IS NULL OR left_on > joined_on"`
				CreatedAt time.Time
			}
			if err := tx.Table("members").Migrator().CreateTable(&member{}); err != nil {
				return err
			}
			if err := tx.Table("schemes").Migrator().CreateTable(&scheme{}); err != nil {
				return err
			}
			return tx.Table("participations").Migrator().CreateTable(&participation{})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("participations", "schemes", "members") },
	})
}
