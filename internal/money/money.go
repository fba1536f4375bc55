// Package money is the arithmetic of amounts in øre (1/100 DKK) held as int64: sums and
// products that report overflow instead of wrapping, a×b÷c rounded half away from zero,
// kroner for XML and for Danish pages, and exact splits of a total into shares that add
// up to it (Split, and the allocation key's formula in NewBasis). Nothing here uses
// floating point.
package money

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// ErrOverflow is wrapped by every error for a result that does not fit in int64 øre.
var ErrOverflow = errors.New("money: result does not fit in int64 øre")

// ErrDivisionByZero is wrapped by the error of MulDivRound for c = 0.
var ErrDivisionByZero = errors.New("money: division by zero")

// Add returns a+b. On overflow it returns 0 and an error wrapping ErrOverflow.
func Add(a, b int64) (int64, error) {
	s := a + b
	// Overflow happened iff a and b have the same sign and s has the other one.
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, fmt.Errorf("%w: %d + %d", ErrOverflow, a, b)
	}
	return s, nil
}

// Sub returns a−b. On overflow it returns 0 and an error wrapping ErrOverflow.
func Sub(a, b int64) (int64, error) {
	s := a - b
	if (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, fmt.Errorf("%w: %d - %d", ErrOverflow, a, b)
	}
	return s, nil
}

// Sum returns the sum of xs (0 for none). If the running sum overflows at any point it
// returns 0 and an error wrapping ErrOverflow, even if later terms would bring it back.
func Sum(xs ...int64) (int64, error) {
	var s int64
	for _, x := range xs {
		var err error
		if s, err = Add(s, x); err != nil {
			return 0, err
		}
	}
	return s, nil
}

// Mul returns a×b, e.g. a unit price times a quantity. On overflow it returns 0 and an
// error wrapping ErrOverflow.
func Mul(a, b int64) (int64, error) {
	hi, lo := bits.Mul64(abs(a), abs(b))
	p, ok := signed(hi, lo, (a < 0) != (b < 0))
	if !ok {
		return 0, fmt.Errorf("%w: %d × %d", ErrOverflow, a, b)
	}
	return p, nil
}

// MulDivRound returns a×b÷c rounded half away from zero (2.5 → 3, −2.5 → −3), exact for
// every int64 a, b, c whose result fits in int64: the product is held in 128 bits.
// Billing uses it for a monthly price pro rata: unit_ore × device_days ÷ days_in_month.
// It returns 0 and an error wrapping ErrDivisionByZero for c = 0, or wrapping
// ErrOverflow when the rounded result does not fit in int64.
func MulDivRound(a, b, c int64) (int64, error) {
	if c == 0 {
		return 0, fmt.Errorf("%w: %d × %d ÷ 0", ErrDivisionByZero, a, b)
	}
	hi, lo := bits.Mul64(abs(a), abs(b))
	d := abs(c)
	if hi >= d { // the quotient would not fit in 64 bits
		return 0, fmt.Errorf("%w: %d × %d ÷ %d", ErrOverflow, a, b, c)
	}
	q, r := bits.Div64(hi, lo, d)
	// Half rounds up in magnitude (r ≥ d−r avoids 2r overflowing). A q above 2^63 does
	// not fit either way; checking it first keeps q+1 from wrapping.
	if q <= 1<<63 && r >= d-r {
		q++
	}
	v, ok := signed(0, q, (a < 0) != (b < 0) != (c < 0))
	if !ok {
		return 0, fmt.Errorf("%w: %d × %d ÷ %d", ErrOverflow, a, b, c)
	}
	return v, nil
}

// abs returns |x| as uint64; |math.MinInt64| = 2^63 fits.
func abs(x int64) uint64 {
	if x < 0 {
		return -uint64(x)
	}
	return uint64(x)
}

// signed returns the 128-bit magnitude hi:lo with the given sign as int64, and false
// when it does not fit (the magnitude 2^63 fits only as a negative number).
func signed(hi, lo uint64, neg bool) (int64, bool) {
	switch {
	case hi != 0:
		return 0, false
	case neg && lo <= 1<<63:
		return int64(-lo), true // wraps to math.MinInt64 for 2^63, as wanted
	case !neg && lo < 1<<63:
		return int64(lo), true
	}
	return 0, false
}

// FormatDecimal returns ore as kroner with a point and two decimals, no thousands
// separator, as XML and OIOUBL amounts want them: 123450 → "1234.50", −5 → "-0.05",
// 0 → "0.00". It never fails; math.MinInt64 gives "-92233720368547758.08".
func FormatDecimal(ore int64) string {
	b := make([]byte, 0, 24)
	if ore < 0 {
		b = append(b, '-')
	}
	u := abs(ore)
	b = strconv.AppendUint(b, u/100, 10)
	return string(appendCents(append(b, '.'), u%100))
}

// FormatDanishNumber returns ore as Danish kroner without a unit, with "." between
// thousands and "," before two decimals: 123450 → "1.234,50", −5 → "-0,05". It never
// fails; math.MinInt64 gives "-92.233.720.368.547.758,08".
func FormatDanishNumber(ore int64) string {
	return string(appendDanish(make([]byte, 0, 32), ore))
}

// FormatDanish returns ore as Danish kroner for display, FormatDanishNumber followed by
// " kr.": 123450 → "1.234,50 kr.", −5 → "-0,05 kr.". It never fails.
func FormatDanish(ore int64) string {
	return string(append(appendDanish(make([]byte, 0, 36), ore), " kr."...))
}

func appendDanish(b []byte, ore int64) []byte {
	if ore < 0 {
		b = append(b, '-')
	}
	u := abs(ore)
	digits := strconv.FormatUint(u/100, 10)
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, '.')
		}
		b = append(b, digits[i])
	}
	return appendCents(append(b, ','), u%100)
}

func appendCents(b []byte, cents uint64) []byte {
	return append(b, byte('0'+cents/10), byte('0'+cents%10))
}
