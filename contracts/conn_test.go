package contracts_test

import (
	"github.com/fsc/backoffice/internal/db"
	"gorm.io/gorm"
)

func testenvConn(f *fix) *gorm.DB { return db.Conn(f.ctx) }
