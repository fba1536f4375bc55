package money

import "math/big"

// Basis is the exact fraction of a pool that each participant gets under an
// allocation key, all over one common denominator; Split turns it into øre.
type Basis struct {
	small   bool
	num     []u128 // when small
	den     u128
	bigNum  []*big.Int // otherwise
	bigDen  *big.Int
	used    []int // indexes into factors, in usedBuf
	usedBuf [4]int
}

// fillSmall computes the basis in 128 bits and reports false, leaving b for fillBig, if
// the common denominator D = 10000 × W × Π V_f does not fit. Every numerator is at most
// D, so nothing past that check can overflow.
func (b *Basis) fillSmall(w Weights, ps []Participant, rest int64, used []int, sums [4]u128) bool {
	var weight, prodV u128 = u128{}, u128{0, 1}
	over := false
	for _, f := range used {
		weight, _ = weight.add(u128{0, uint64(w.of(f))}) // ≤ 4 × 2^63
		var o bool
		prodV, o = prodV.mul(sums[f])
		over = over || o
	}
	if len(used) == 0 {
		weight = u128{0, 1}
	}
	wv, o1 := weight.mul(prodV)
	den, o2 := wv.mul64(FullBP)
	if over || o1 || o2 {
		return false
	}
	// k[f] = R × w_f × Π_{g≠f} V_g, so that a free participant's numerator is Σ k_f × v_if.
	var k [4]u128
	for _, f := range used {
		k[f], _ = u128{0, uint64(rest)}.mul64(uint64(w.of(f)))
		for _, g := range used {
			if g != f {
				k[f], _ = k[f].mul(sums[g])
			}
		}
	}
	b.small, b.den, b.num = true, den, make([]u128, len(ps))
	for i := range ps {
		p := &ps[i]
		if p.Fixed {
			b.num[i], _ = wv.mul64(uint64(p.ShareBP))
			continue
		}
		// k is zero for a factor left out, so all four terms can be added.
		n, _ := k[0].mul64(uint64(p.Inhabitants))
		t, _ := k[1].mul64(uint64(p.Inhabitants65Plus))
		n, _ = n.add(t)
		t, _ = k[2].mul64(uint64(p.Usage))
		n, _ = n.add(t)
		b.num[i], _ = n.add(k[3])
	}
	return true
}

// fillBig computes the same basis as fillSmall with math/big, for any size.
func (b *Basis) fillBig(w Weights, ps []Participant, rest int64, used []int, sums [4]u128) {
	weight, prodV := big.NewInt(0), big.NewInt(1)
	for _, f := range used {
		weight.Add(weight, big.NewInt(w.of(f)))
		prodV.Mul(prodV, sums[f].big())
	}
	if len(used) == 0 {
		weight.SetInt64(1)
	}
	wv := new(big.Int).Mul(weight, prodV)
	b.bigDen = new(big.Int).Mul(wv, big.NewInt(FullBP))
	var k [4]*big.Int
	for _, f := range used {
		k[f] = new(big.Int).Mul(big.NewInt(rest), big.NewInt(w.of(f)))
		for _, g := range used {
			if g != f {
				k[f].Mul(k[f], sums[g].big())
			}
		}
	}
	b.bigNum = make([]*big.Int, len(ps))
	t := new(big.Int)
	for i, p := range ps {
		n := new(big.Int)
		if p.Fixed {
			n.Mul(wv, big.NewInt(p.ShareBP))
		} else {
			for _, f := range used {
				n.Add(n, t.Mul(k[f], big.NewInt(p.value(f))))
			}
		}
		b.bigNum[i] = n
	}
}

// Split divides total among the participants by their exact fractions, as the package
// Split does: floors, then the øre left over to the largest remainders, ties to the
// lower index. The shares add up to total; it cannot fail.
func (b *Basis) Split(total int64) []int64 {
	if b.small {
		return splitSmall(total, b.num, b.den)
	}
	return splitBig(total, b.bigNum, b.bigDen)
}

// Fraction returns participant i's exact fraction of a pool, in lowest terms, for
// showing a member's basis beside its amount. It panics if i is out of range.
func (b *Basis) Fraction(i int) *big.Rat {
	if b.small {
		return new(big.Rat).SetFrac(b.num[i].big(), b.den.big())
	}
	return new(big.Rat).SetFrac(b.bigNum[i], b.bigDen)
}

// Used returns the factors of the mix that took part (the Factor constants), in the
// order of Weights; a factor with weight 0 or whose values summed to zero is not among
// them, nor is any when the fixed shares took the whole pool. It cannot fail.
func (b *Basis) Used() []string {
	out := make([]string, len(b.used))
	for i, f := range b.used {
		out[i] = factors[f]
	}
	return out
}
