package inventory

import (
	"context"
	"fmt"

	"github.com/fsc/backoffice/internal/auth"
	"github.com/fsc/backoffice/internal/db"
)

// RecentStocktakes is how many confirmed stocktakes ListStocktakes returns besides the
// open ones.
const RecentStocktakes = 50

// ListStocktakes returns the open stocktakes and the RecentStocktakes most recently
// confirmed ones (staff), open first, newest first within each, without their results.
func (s *Service) ListStocktakes(ctx context.Context) ([]Stocktake, error) {
	if _, err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	return listStocktakes(ctx, RecentStocktakes)
}

// listStocktakes reads the open stocktakes (at most one a location: the partial unique
// index) and the recent confirmed ones, by primary key.
func listStocktakes(ctx context.Context, recent int) ([]Stocktake, error) {
	var open, done []Stocktake
	q := db.Conn(ctx).Omit("result")
	if err := q.Where("status = ?", StocktakeOpen).Order("id DESC").Find(&open).Error; err != nil {
		return nil, fmt.Errorf("list open stocktakes: %w", err)
	}
	if err := db.Conn(ctx).Omit("result").Where("status <> ?", StocktakeOpen).Order("id DESC").Limit(recent).Find(&done).Error; err != nil {
		return nil, fmt.Errorf("list stocktakes: %w", err)
	}
	return append(open, done...), nil
}
