package ui

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	kronerInt     = regexp.MustCompile(`^(\d{1,3}(\.\d{3})*|\d+)$`)
	kronerEnglish = regexp.MustCompile(`^\d+\.\d{1,2}$`)
)

// ParseKroner reads an amount of Danish kroner as people type it — "1.234,50",
// "1234,5", "99", "1 234,50 kr." or, with a decimal point, "12.50" — and returns it in
// øre. ok is false for anything else: letters, a negative amount, more than two
// decimals, misplaced thousands separators.
func ParseKroner(s string) (ore int64, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "."), "kr"))
	s = strings.NewReplacer(" ", "", "\u00a0", "").Replace(s)
	if s == "" {
		return 0, false
	}
	intPart, frac := s, ""
	switch {
	case strings.Contains(s, ","):
		i := strings.LastIndex(s, ",")
		intPart, frac = s[:i], s[i+1:]
		if intPart == "" {
			intPart = "0"
		}
	case kronerEnglish.MatchString(s):
		i := strings.LastIndex(s, ".")
		intPart, frac = s[:i], s[i+1:]
	}
	if !kronerInt.MatchString(intPart) || len(frac) > 2 || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	digits := strings.ReplaceAll(intPart, ".", "")
	if len(digits) > 13 {
		return 0, false
	}
	kr, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	o, _ := strconv.ParseInt(frac, 10, 64)
	return kr*100 + o, true
}
