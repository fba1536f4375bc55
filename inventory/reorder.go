package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/civil"
	"github.com/fsc/backoffice/internal/db"
	"github.com/fsc/backoffice/internal/notice"
	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"
)

// TypeReorderCheck is the daily task that notifies staff of products below their
// reorder level.
const TypeReorderCheck = "inventory:reorder-check"

// NoticeReorder says a product is below its reorder level. Args: the SKU, the quantity
// available and the reorder level.
var NoticeReorder = notice.NewCode("reorder_below")

// reorderAudience is every staff role: the dashboard shows the notices to all of them.
var reorderAudience = []auth.Role{auth.RoleAdmin, auth.RoleLogistics, auth.RoleSupport, auth.RoleFinance}

// ReorderNotice is an in-app notice that a product was below its reorder level on Day,
// at most one per product and day (a notice.Notice with code NoticeReorder).
type ReorderNotice struct {
	ID           int64      `json:"id"`
	ProductID    int64      `json:"product_id"`
	SKU          string     `json:"sku"`
	Name         string     `json:"name"`
	Day          civil.Date `json:"day"`
	Available    int64      `json:"available"`
	ReorderLevel int64      `json:"reorder_level"`
	CreatedAt    time.Time  `json:"created_at"`
}

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
	}, &gormigrate.Migration{
		ID:      "202612010210_inventory_reorder_notices_to_notices",
		Migrate: moveReorderNotices,
	})
}

// moveReorderNotices copies the notices of reorder_notices into notices, each with the
// code, args, audience and key CheckReorder gives a notice now, and drops the old table.
// It writes the rows itself rather than through notice.Raise, so the step stays what it
// was whatever Raise becomes.
func moveReorderNotices(tx *gorm.DB) error {
	var old []struct {
		ID, ProductID, Available, ReorderLevel int64
		SKU                                    string `gorm:"column:sku"`
		Day                                    string
		CreatedAt                              time.Time
	}
	err := tx.Table("reorder_notices n").Select("n.*, p.sku AS sku").Joins("JOIN products p ON p.id = n.product_id").Order("n.id").Find(&old).Error
	if err != nil {
		return fmt.Errorf("read reorder notices: %w", err)
	}
	type row struct {
		ID        int64 `gorm:"primaryKey"`
		Code      string
		Args      string
		Entity    string
		EntityID  int64
		DedupeKey string
		CreatedAt time.Time
	}
	for _, o := range old {
		args, _ := json.Marshal([]string{o.SKU, strconv.FormatInt(o.Available, 10), strconv.FormatInt(o.ReorderLevel, 10)})
		r := row{Code: "reorder_below", Args: string(args), Entity: "product", EntityID: o.ProductID,
			DedupeKey: fmt.Sprintf("reorder:%d:%s", o.ProductID, o.Day), CreatedAt: o.CreatedAt}
		if err := tx.Table("notices").Create(&r).Error; err != nil {
			return fmt.Errorf("move reorder notice %d: %w", o.ID, err)
		}
		for _, role := range []string{"admin", "finance", "logistics", "support"} {
			if err := tx.Exec("INSERT INTO notice_audiences (role, notice_id) VALUES (?, ?)", role, r.ID).Error; err != nil {
				return fmt.Errorf("move reorder notice %d: %w", o.ID, err)
			}
		}
	}
	return tx.Migrator().DropTable("reorder_notices")
}

func reorderNotice(productID int64, sku string, available, level int64, day civil.Date) *notice.Notice {
	return &notice.Notice{Code: NoticeReorder, Audience: reorderAudience, Entity: "product", EntityID: productID,
		Args:      []string{sku, strconv.FormatInt(available, 10), strconv.FormatInt(level, 10)},
		DedupeKey: fmt.Sprintf("reorder:%d:%s", productID, day)}
}

// CheckReorder raises a notice for every product below its reorder level today; a
// second run on the same day adds nothing. It returns how many notices it raised.
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
		isNew, err := notice.Raise(ctx, reorderNotice(l.ProductID, l.SKU, l.Available, l.ReorderLevel, today))
		if err != nil {
			return n, fmt.Errorf("reorder notice for %s: %w", l.SKU, err)
		}
		if isNew {
			n++
		}
	}
	return n, nil
}

// HandleReorderCheck is the handler of TypeReorderCheck.
func (s *Service) HandleReorderCheck(ctx context.Context, _ *asynq.Task) error {
	_, err := s.CheckReorder(ctx)
	return err
}

// ReorderNotices returns the latest reorder notices, newest first (staff), with each
// product's current name.
func (s *Service) ReorderNotices(ctx context.Context, limit int) ([]ReorderNotice, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	ns, _, err := notice.List(ctx, notice.Filter{Code: NoticeReorder, Limit: limit})
	if err != nil {
		return nil, fmt.Errorf("reorder notices: %w", err)
	}
	ids := make([]int64, 0, len(ns))
	for _, n := range ns {
		ids = append(ids, n.EntityID)
	}
	var ps []Product
	if err := db.Conn(ctx).Select("id", "sku", "name").Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("reorder notices: products: %w", err)
	}
	names := make(map[int64]string, len(ps))
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	out := make([]ReorderNotice, 0, len(ns))
	for _, n := range ns {
		r := ReorderNotice{ID: n.ID, ProductID: n.EntityID, Name: names[n.EntityID], Day: civil.Of(n.CreatedAt), CreatedAt: n.CreatedAt}
		if len(n.Args) == 3 {
			r.SKU = n.Args[0]
			r.Available, _ = strconv.ParseInt(n.Args[1], 10, 64)
			r.ReorderLevel, _ = strconv.ParseInt(n.Args[2], 10, 64)
		}
		out = append(out, r)
	}
	return out, nil
}
