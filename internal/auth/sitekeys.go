package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/fsc/backoffice/internal/db"
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Site keys are random secrets the instances of one deployment share through the
// database, made on first use: the web signs its CSRF cookies with one, so forms keep
// working with Redis down and across instances behind a load balancer.
func init() {
	db.Register(&gormigrate.Migration{
		ID: "202612020215_auth_site_keys",
		Migrate: func(tx *gorm.DB) error {
			return tx.Exec("CREATE TABLE site_keys (name VARCHAR(64) PRIMARY KEY, secret VARCHAR(128) NOT NULL)").Error
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable("site_keys") },
	})
}

type siteKey struct {
	Name   string `gorm:"primaryKey"`
	Secret string
}

// SiteKey returns the 32-byte secret called name, creating it on first use; every
// instance on the database gets the same one. Once read it is kept in memory.
func (s *Service) SiteKey(ctx context.Context, name string) ([]byte, error) {
	if k, ok := s.siteKeys.Load(name); ok {
		return k.([]byte), nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	g := db.Conn(ctx)
	// The first instance's key wins; the others read it.
	if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&siteKey{Name: name, Secret: base64.RawStdEncoding.EncodeToString(b)}).Error; err != nil {
		return nil, fmt.Errorf("site key %s: %w", name, err)
	}
	var k siteKey
	if err := g.Where("name = ?", name).Take(&k).Error; err != nil {
		return nil, fmt.Errorf("site key %s: %w", name, err)
	}
	key, err := base64.RawStdEncoding.DecodeString(k.Secret)
	if err != nil || len(key) < 32 {
		return nil, fmt.Errorf("site key %s is damaged", name)
	}
	s.siteKeys.Store(name, key)
	return key, nil
}
