package money

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// scheme98 is a realistic pool's participants: a region with a fixed 20 % and 97
// municipalities of 1,800 to 650,000 inhabitants (most 20,000–80,000), 15–30 % of them
// 65+, and usage of about one device per 400 inhabitants for a 31-day month, some with
// none. The key mixes inhabitants 40, 65+ 30, usage 20 and equal 10.
func scheme98() (Weights, []Participant) {
	r := rand.New(rand.NewPCG(98, 98))
	ps := []Participant{fixed(2000)}
	for i := range 97 {
		inh := 20_000 + r.Int64N(60_000)
		switch {
		case i == 0:
			inh = 650_000
		case i == 1:
			inh = 1_800
		case i%10 == 0:
			inh = 80_000 + r.Int64N(300_000)
		}
		usage := inh / 400 * (25 + r.Int64N(7))
		if i%13 == 0 {
			usage = 0
		}
		ps = append(ps, free(inh, inh*(15+r.Int64N(16))/100, usage))
	}
	return Weights{Inhabitants: 40, Inhabitants65Plus: 30, Usage: 20, Equal: 10}, ps
}

const pool98 = 1_234_567_89 // 1.234.567,89 kr.

// loop runs split b.N times and reports splits per second of wall-clock time and, as
// "cpu-splits/s", per second of CPU time used (all threads, GC included): on a machine
// shared with other work the first says how busy it was, the second what the code
// costs.
func loop(b *testing.B, split func()) {
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		split()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "splits/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "cpu-splits/s")
	}
}

// BenchmarkSplit98 is what billing does per pool: the key's basis for 98 members, then
// the split into øre.
func BenchmarkSplit98(b *testing.B) {
	w, ps := scheme98()
	if bs, _ := NewBasis(w, ps); !bs.small {
		b.Fatal("the realistic scheme should take the 128-bit path")
	}
	loop(b, func() {
		bs, err := NewBasis(w, ps)
		if err != nil {
			b.Fatal(err)
		}
		bs.Split(pool98)
	})
}

// BenchmarkSplit98Basis is the split alone, by a basis already built.
func BenchmarkSplit98Basis(b *testing.B) {
	w, ps := scheme98()
	bs, _ := NewBasis(w, ps)
	loop(b, func() { bs.Split(pool98) })
}

// BenchmarkSplit98Weights is the package Split by the same basis as big.Int weights.
func BenchmarkSplit98Weights(b *testing.B) {
	w, ps := scheme98()
	bs, _ := NewBasis(w, ps)
	num, _ := basisNumDen(bs)
	loop(b, func() {
		if _, err := Split(pool98, num); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkSplit98MathBig is BenchmarkSplit98 on the math/big path that keys too large
// for 128 bits take: the measure of what the 128-bit path saves.
func BenchmarkSplit98MathBig(b *testing.B) {
	w, ps := scheme98()
	loop(b, func() {
		bs, err := newBasis(w, ps, true)
		if err != nil {
			b.Fatal(err)
		}
		bs.Split(pool98)
	})
}

// BenchmarkSplit98Rat is the same split done the obvious way in big.Rat: the key's
// fractions reduced, each member's exact amount, its floor and remainder, remainders
// sorted. It is the measure that ruled big.Rat out.
func BenchmarkSplit98Rat(b *testing.B) {
	w, ps := scheme98()
	loop(b, func() {
		fr, _ := refFractions(w, ps)
		ratSplit(pool98, fr)
	})
}

func ratSplit(total int64, fr []frac) []int64 {
	type rem struct {
		r *big.Rat
		i int
	}
	shares, rems := make([]int64, len(fr)), make([]rem, len(fr))
	left := total
	for i, f := range fr {
		exact := new(big.Rat).SetFrac(f.n, f.d)
		exact.Mul(exact, new(big.Rat).SetInt64(total))
		fl := new(big.Int).Quo(exact.Num(), exact.Denom())
		shares[i] = fl.Int64()
		left -= shares[i]
		rems[i] = rem{exact.Sub(exact, new(big.Rat).SetInt(fl)), i}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return b.r.Cmp(a.r) })
	for _, r := range rems[:left] {
		shares[r.i]++
	}
	return shares
}

var sink int64

func BenchmarkMulDivRound(b *testing.B) {
	units := []int64{49_900, 12_995, 129_900, 7_450}
	var i int64
	for b.Loop() {
		v, err := MulDivRound(units[i&3], i%31+1, 30)
		if err != nil {
			b.Fatal(err)
		}
		sink += v
		i++
	}
}

func BenchmarkMulDivRoundExtreme(b *testing.B) {
	var i int64
	for b.Loop() {
		v, _ := MulDivRound(-1<<62+i, 3, -(1<<62 + 7))
		sink += v
		i++
	}
}
