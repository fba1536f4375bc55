package money

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestAddSubMulSum(t *testing.T) {
	type op func(a, b int64) (int64, error)
	for _, tc := range []struct {
		name string
		f    op
		a, b int64
		want int64
		over bool
	}{
		{"add", Add, 150, -200, -50, false},
		{"add max", Add, math.MaxInt64, 0, math.MaxInt64, false},
		{"add over", Add, math.MaxInt64, 1, 0, true},
		{"add under", Add, math.MinInt64, -1, 0, true},
		{"add min+max", Add, math.MinInt64, math.MaxInt64, -1, false},
		{"sub", Sub, 5, 7, -2, false},
		{"sub under", Sub, math.MinInt64, 1, 0, true},
		{"sub over", Sub, 0, math.MinInt64, 0, true},
		{"sub min-min", Sub, math.MinInt64, math.MinInt64, 0, false},
		{"mul", Mul, 12_995, 31, 402_845, false},
		{"mul neg", Mul, -4, 25, -100, false},
		{"mul to min", Mul, math.MinInt64 / 2, 2, math.MinInt64, false},
		{"mul min×1", Mul, math.MinInt64, 1, math.MinInt64, false},
		{"mul min×-1", Mul, math.MinInt64, -1, 0, true},
		{"mul over", Mul, 1 << 32, 1 << 31, 0, true},
		{"mul over big", Mul, math.MaxInt64, math.MaxInt64, 0, true},
		{"mul zero", Mul, math.MinInt64, 0, 0, false},
	} {
		got, err := tc.f(tc.a, tc.b)
		if tc.over != errors.Is(err, ErrOverflow) || got != tc.want {
			t.Errorf("%s(%d, %d) = %d, %v; want %d, overflow %v", tc.name, tc.a, tc.b, got, err, tc.want, tc.over)
		}
	}
	if s, err := Sum(1, 2, -3, 40); s != 40 || err != nil {
		t.Errorf("Sum = %d, %v; want 40", s, err)
	}
	if s, err := Sum(); s != 0 || err != nil {
		t.Errorf("Sum() = %d, %v; want 0", s, err)
	}
	if _, err := Sum(math.MaxInt64, 1, -1); !errors.Is(err, ErrOverflow) {
		t.Errorf("Sum past MaxInt64 = %v; want ErrOverflow", err)
	}
}

// TestMulAgainstBig checks Add, Sub and Mul against math/big on random operands near
// the edges, where the overflow checks can go wrong.
func TestMulAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 / raceDivisor {
		a, b := edgy(r), edgy(r)
		check := func(name string, got int64, err error, want *big.Int) {
			fits := want.IsInt64()
			if fits != (err == nil) || fits && got != want.Int64() || !fits && !errors.Is(err, ErrOverflow) {
				t.Fatalf("%s(%d, %d) = %d, %v; want %s", name, a, b, got, err, want)
			}
		}
		s, err := Add(a, b)
		check("Add", s, err, new(big.Int).Add(big.NewInt(a), big.NewInt(b)))
		d, err := Sub(a, b)
		check("Sub", d, err, new(big.Int).Sub(big.NewInt(a), big.NewInt(b)))
		p, err := Mul(a, b)
		check("Mul", p, err, new(big.Int).Mul(big.NewInt(a), big.NewInt(b)))
	}
}

// edgy returns an int64 that is often near 0, a power of two or an end of the range.
func edgy(r *rand.Rand) int64 {
	switch r.IntN(5) {
	case 0:
		return r.Int64N(2001) - 1000
	case 1:
		return math.MaxInt64 - r.Int64N(1000)
	case 2:
		return math.MinInt64 + r.Int64N(1000)
	case 3:
		v := int64(1) << r.IntN(63)
		if r.IntN(2) == 0 {
			v = -v
		}
		return v + r.Int64N(5) - 2
	}
	return int64(r.Uint64())
}

func TestMulDivRound(t *testing.T) {
	for _, tc := range []struct {
		a, b, c, want int64
		err           error
	}{
		{5, 1, 2, 3, nil},   // 2.5 → 3
		{-5, 1, 2, -3, nil}, // −2.5 → −3
		{5, -1, 2, -3, nil},
		{5, 1, -2, -3, nil},
		{-5, -1, -2, -3, nil},
		{-5, -1, 2, 3, nil},
		{7, 1, 3, 2, nil},   // 2.33 → 2
		{8, 1, 3, 3, nil},   // 2.67 → 3
		{-7, 1, 3, -2, nil}, // −2.33 → −2
		{-8, 1, 3, -3, nil},
		{0, 5, 7, 0, nil},
		// a monthly price of 499,00 kr. for 17 device-days in a 30-day month: 28276,67 øre
		{49_900, 17, 30, 28_277, nil},
		{49_900, 31, 31, 49_900, nil},
		{12_345, 14, 28, 6_173, nil}, // 6172.5 → 6173
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64, nil},
		{math.MinInt64, math.MaxInt64, math.MaxInt64, math.MinInt64, nil},
		{math.MinInt64, math.MinInt64, math.MinInt64, math.MinInt64, nil},
		{math.MinInt64, 1, -1, 0, ErrOverflow},
		{math.MinInt64, 1, 1, math.MinInt64, nil},
		{math.MaxInt64, 1, 2, 1 << 62, nil}, // (2^63−1)/2 = 2^62 − 0.5 → 2^62
		{math.MaxInt64, 2, 1, 0, ErrOverflow},
		{math.MaxInt64, math.MaxInt64, 1 << 62, 0, ErrOverflow},
		{1, 1, 0, 0, ErrDivisionByZero},
	} {
		got, err := MulDivRound(tc.a, tc.b, tc.c)
		if got != tc.want || tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("MulDivRound(%d, %d, %d) = %d, %v; want %d, %v", tc.a, tc.b, tc.c, got, err, tc.want, tc.err)
		}
	}
}

// TestMulDivRoundAgainstBig checks MulDivRound against a rounding done in math/big.
func TestMulDivRoundAgainstBig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 100000 / raceDivisor {
		a, b, c := edgy(r), edgy(r), edgy(r)
		if i%3 == 0 { // small divisors and exact halves are where rounding goes wrong
			c = r.Int64N(64) - 32
		}
		got, err := MulDivRound(a, b, c)
		if c == 0 {
			if !errors.Is(err, ErrDivisionByZero) {
				t.Fatalf("MulDivRound(%d, %d, 0) err = %v", a, b, err)
			}
			continue
		}
		want := bigMulDivRound(a, b, c)
		if want.IsInt64() != (err == nil) || err == nil && got != want.Int64() || err != nil && !errors.Is(err, ErrOverflow) {
			t.Fatalf("MulDivRound(%d, %d, %d) = %d, %v; want %s", a, b, c, got, err, want)
		}
	}
}

func bigMulDivRound(a, b, c int64) *big.Int {
	p := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	neg := p.Sign()*big.NewInt(c).Sign() < 0
	p.Abs(p)
	d := new(big.Int).Abs(big.NewInt(c))
	q, r := new(big.Int).QuoRem(p, d, new(big.Int))
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		ore           int64
		decimal, dkNo string
	}{
		{0, "0.00", "0,00"},
		{5, "0.05", "0,05"},
		{-5, "-0.05", "-0,05"},
		{99, "0.99", "0,99"},
		{100, "1.00", "1,00"},
		{123450, "1234.50", "1.234,50"},
		{-123450, "-1234.50", "-1.234,50"},
		{99999, "999.99", "999,99"},
		{100000, "1000.00", "1.000,00"},
		{100000000, "1000000.00", "1.000.000,00"},
		{-1234567801, "-12345678.01", "-12.345.678,01"},
		{math.MaxInt64, "92233720368547758.07", "92.233.720.368.547.758,07"},
		{math.MinInt64, "-92233720368547758.08", "-92.233.720.368.547.758,08"},
	} {
		if got := FormatDecimal(tc.ore); got != tc.decimal {
			t.Errorf("FormatDecimal(%d) = %q; want %q", tc.ore, got, tc.decimal)
		}
		if got := FormatDanishNumber(tc.ore); got != tc.dkNo {
			t.Errorf("FormatDanishNumber(%d) = %q; want %q", tc.ore, got, tc.dkNo)
		}
		if got := FormatDanish(tc.ore); got != tc.dkNo+" kr." {
			t.Errorf("FormatDanish(%d) = %q; want %q", tc.ore, got, tc.dkNo+" kr.")
		}
	}
}

// TestFormatDecimalRoundTrips reads FormatDecimal's output back with math/big: the
// digits say exactly the amount, for any int64.
func TestFormatDecimalRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 10000 / raceDivisor {
		ore := edgy(r)
		s := FormatDecimal(ore)
		v, ok := new(big.Rat).SetString(s)
		if !ok || v.Cmp(new(big.Rat).SetFrac64(ore, 100)) != 0 {
			t.Fatalf("FormatDecimal(%d) = %q, which reads back as %v", ore, s, v)
		}
	}
}
