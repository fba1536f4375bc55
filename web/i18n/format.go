package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fsc/backoffice/internal/civil"
)

// Number writes n the Danish way, with a point between thousands: 43512 → "43.512",
// -1234 → "-1.234". The pages use it in both languages, since the figures are Danish.
func Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Kroner writes an amount in øre as Danish kroner: 123450 → "1.234,50",
// -5 → "-0,05".
func Kroner(ore int64) string {
	sign, abs := "", uint64(ore)
	if ore < 0 {
		sign, abs = "-", -uint64(ore) // two's complement: right for math.MinInt64 too
	}
	return sign + Number(int64(abs/100)) + "," + strconv.FormatUint(abs%100+100, 10)[1:]
}

// Date writes a time as its minute in Copenhagen ("2006-01-02 15:04"), a civil.Date as
// its day, and the zero time or a nil one as "".
func Date(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(civil.Copenhagen).Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil {
			return ""
		}
		return Date(*x)
	case civil.Date:
		return x.String()
	}
	return fmt.Sprint(v)
}
