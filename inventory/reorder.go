package inventory

import (
	"context"
	"fmt"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TypeReorderCheck is the daily task that notifies staff of products below their
// reorder level.
const TypeReorderCheck = "inventory:reorder-check"

// ReorderNotice is an in-app notification that a product is below its reorder level,
// at most one per product and day.
type ReorderNotice struct {
	ID           int64      `json:"id" gorm:"primaryKey"`
	ProductID    int64      `json:"product_id"`
	SKU          string     `json:"sku" gorm:"->;-:migration;column:sku"`
	Name         string     `json:"name" gorm:"->;-:migration"`
	Day          civil.Date `json:"day"`
	Available    int64      `json:"available"`
	ReorderLevel int64      `json:"reorder_level"`
	CreatedAt    time.Time  `json:"created_at"`
}

// TableName keeps the table name stable.
func (ReorderNotice) TableName() string { return "reorder_notices" }

func init() {
	db.Register(&gormigrate.Migration{
		ID: "202611220230_inventory_reorder_notices",
		Migrate: func(tx *gorm.DB) error {
			type product struct{ ID int64 }
			type reorderNotice struct {
				ID           int64    `gorm:"primaryKey"`
				ProductID    int64    `gorm:"not null;uniqueIndex:uq_reorder_day,priority:1"`
				Product      *product `gorm:"constraint:OnDelete:CASCADE"`
				Day          string   `gorm:"type:varchar(10);not null;uniqueIndex:uq_reorder_day,priority:2;index"`
				Available    int64    `gorm:"not null"`
				ReorderLevel int64    `gorm:"not null"`
				CreatedAt    time.Time
			}
			return tx.Table("reorder_notices").Migrator().CreateTable(&reorderNotice{})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("reorder_notices") },
	})
}

// CheckReorder writes a notice for every product below its reorder level today; a
// second run on the same day adds nothing. It returns how many notices it wrote.
func (s *Service) CheckReorder(ctx context.Context) (int, error) {
	ctx = auth.WithPrincipal(ctx, auth.System)
	levels, err := s.Stock(ctx, 0)
	if err != nil {
		return 0, err
	}
	today := civil.Today()
	n := 0
	for _, l := range levels {
		if !l.BelowReorder {
			continue
		}
		res := db.Conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Omit("SKU", "Name").Create(&ReorderNotice{
			ProductID: l.ProductID, Day: today, Available: l.Available, ReorderLevel: l.ReorderLevel, CreatedAt: time.Now().UTC()})
		if res.Error != nil {
			return n, fmt.Errorf("reorder notice for %s: %w", l.SKU, res.Error)
		}
		n += int(res.RowsAffected)
	}
	return n, nil
}

// HandleReorderCheck is the handler of TypeReorderCheck.
func (s *Service) HandleReorderCheck(ctx context.Context, _ *asynq.Task) error {
	_, err := s.CheckReorder(ctx)
	return err
}

// ReorderNotices returns the latest notices, newest first (staff).
func (s *Service) ReorderNotices(ctx context.Context, limit int) ([]ReorderNotice, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	var out []ReorderNotice
	err := db.Conn(ctx).Table("reorder_notices n").Select("n.*, p.sku AS sku, p.name AS name").
		Joins("JOIN products p ON p.id = n.product_id").Order("n.id DESC").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("reorder notices: %w", err)
	}
	return out, nil
}
