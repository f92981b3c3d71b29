package scan

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Skeleton maps a name to a canonical form for confusability checks: it
// applies compatibility decomposition (fullwidth and mathematical letters
// become ASCII), drops combining marks and invisible characters, maps
// look-alike letters from other scripts (Cyrillic, Greek, Armenian,
// Cherokee...) to the ASCII letter they imitate, lower-cases, maps the
// digit look-alikes 0 and 1 to o and l and "rn"/"vv" to m/w, and removes
// separators (- _ . and spaces). Two names with the same skeleton are
// confusable for a person or a model.
func Skeleton(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	put := func(r rune) {
		switch {
		case r == '-' || r == '_' || r == '.' || r == ' ' || r == '/' || r == ':':
			return
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		switch r {
		case '0':
			r = 'o'
		case '1', '|':
			r = 'l'
		}
		b.WriteRune(r)
	}
	for i := 0; i < len(name); {
		r, sz := utf8.DecodeRuneInString(name[i:])
		seg := name[i : i+sz]
		i += sz
		if r < 0x80 {
			if r == 'I' {
				r = 'l' // "I" and "l" are one glyph in many fonts
			}
			put(r)
			continue
		}
		if isInvisible(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) {
			continue
		}
		if c, ok := confusables[r]; ok {
			put(rune(c))
			continue
		}
		if c, ok := punctFold[r]; ok {
			put(rune(c))
			continue
		}
		if d := norm.NFKD.PropertiesString(seg).Decomposition(); len(d) > 0 {
			for _, dr := range string(d) {
				if unicode.Is(unicode.Mn, dr) {
					continue
				}
				if c, ok := confusables[dr]; ok {
					put(rune(c))
				} else if dr < 0x80 {
					put(dr)
				} else {
					put(unicode.ToLower(dr))
				}
			}
			continue
		}
		put(unicode.ToLower(r))
	}
	s := b.String()
	if strings.Contains(s, "rn") {
		s = strings.ReplaceAll(s, "rn", "m")
	}
	if strings.Contains(s, "vv") {
		s = strings.ReplaceAll(s, "vv", "w")
	}
	return s
}

// NameMatch grades how alike two names are.
type NameMatch int

// Grades, weakest first.
const (
	MatchNone       NameMatch = iota // different names
	MatchNear                        // skeletons one edit apart (and at least 5 long)
	MatchConfusable                  // same skeleton: look-alike characters, digits, separators
	MatchCaseFold                    // equal ignoring case
	MatchExact                       // byte-for-byte equal
)

func (m NameMatch) String() string {
	switch m {
	case MatchNone:
		return "none"
	case MatchNear:
		return "near-identical"
	case MatchConfusable:
		return "confusable"
	case MatchCaseFold:
		return "case-folded"
	case MatchExact:
		return "exact"
	}
	return fmt.Sprintf("match(%d)", int(m))
}

// CompareNames grades two names: exact, case-folded, confusable (same
// Skeleton, of the names as written or lower-cased), near-identical
// (skeletons one insertion, deletion, substitution or transposition apart,
// both at least 5 characters) or none.
func CompareNames(a, b string) NameMatch {
	if a == b {
		return MatchExact
	}
	if strings.EqualFold(a, b) {
		return MatchCaseFold
	}
	sa, sb := Skeleton(a), Skeleton(b)
	// a capital I reads as l, but "getIssue" is also just get_issue: compare
	// the lower-cased forms too
	la, lb := Skeleton(strings.ToLower(a)), Skeleton(strings.ToLower(b))
	if sa == sb && sa != "" || la == lb && la != "" {
		return MatchConfusable
	}
	if len(sa) >= 5 && len(sb) >= 5 && (editDistanceAtMost1(sa, sb) || editDistanceAtMost1(la, lb)) {
		return MatchNear
	}
	return MatchNone
}

// Confusable reports whether a and b would be mistaken for each other:
// exact, case-folded or confusable (same Skeleton). Near-identical names
// are reported by CompareNames, not here.
func Confusable(a, b string) bool { return CompareNames(a, b) >= MatchConfusable }

// editDistanceAtMost1 reports an optimal-string-alignment distance of
// exactly one between a and b.
func editDistanceAtMost1(a, b string) bool {
	if a == b {
		return false
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i := 0
	for i < la && i < lb && a[i] == b[i] {
		i++
	}
	switch {
	case la == lb:
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case la > lb:
		return a[i+1:] == b[i:]
	default:
		return a[i:] == b[i+1:]
	}
}

// nameRules checks a single tool, prompt or property name.
func (a *analysis) nameRules() {
	name := a.t.orig
	latin, other, conf, styled := false, false, 0, false
	for _, r := range name {
		switch {
		case r < 0x80:
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				latin = true
			}
		case isInvisible(r):
		case confusables[r] != 0:
			conf++
		case r >= 0xFF00 && r <= 0xFFEF || r >= 0x1D400 && r <= 0x1D7FF || r >= 0x2460 && r <= 0x24FF:
			styled = true
		case unicode.IsLetter(r):
			if unicode.Is(unicode.Latin, r) {
				latin = true
			} else {
				other = true
			}
		}
	}
	if strings.ContainsAny(name, "_-") && capitalIBetweenLower(name) {
		a.add(RuleHomoglyphName, Medium, 0, len(name), fmt.Sprintf("capital I between lower-case letters imitates l (reads as %q)", Skeleton(name)), -1)
	}
	switch {
	case conf > 0 && latin:
		a.add(RuleHomoglyphName, High, 0, len(name), fmt.Sprintf("name mixes Latin letters with look-alike letters from another script (reads as %q)", Skeleton(name)), -1)
	case conf > 0 && !other && conf >= utf8.RuneCountInString(name)/2 && !a.ctx.prop:
		// (a property written in one non-Latin script, "проект", names
		// no tool it could pass for; one that mixes in Latin letters is
		// still flagged above)
		a.add(RuleHomoglyphName, High, 0, len(name), fmt.Sprintf("name is written in look-alike letters (reads as %q)", Skeleton(name)), -1)
	case styled:
		a.add(RuleHomoglyphName, High, 0, len(name), fmt.Sprintf("name uses fullwidth or styled letters (reads as %q)", Skeleton(name)), -1)
	}
	parts := splitIdent(strings.ToLower(splitCamel(name)))
	for _, p := range parts {
		switch p {
		case "check", "detect", "detector", "scan", "scanner", "prevent", "block", "audit", "analyze", "analyse", "find", "report", "guard", "protect", "test":
			return // a defensive tool named after what it looks for
		}
	}
	for _, p := range parts {
		switch p {
		case "exfil", "exfiltrate", "exfiltration", "steal", "stealer", "keylogger", "backdoor", "ransomware":
			a.add(RuleMaliciousCap, High, 0, len(name), fmt.Sprintf("name declares a malicious capability (%q)", p), -1)
			return
		}
	}
}

// capitalIBetweenLower finds "fiIe": in a snake_case or kebab-case name,
// an upper-case I (the only capital) between lower-case letters.
func capitalIBetweenLower(s string) bool {
	found := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if c != 'I' || i == 0 || i+1 >= len(s) || !(s[i-1] >= 'a' && s[i-1] <= 'z') || !(s[i+1] >= 'a' && s[i+1] <= 'z') {
				return false
			}
			found = true
		}
	}
	return found
}

func splitCamel(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		if unicode.IsUpper(r) && prevLower {
			b.WriteByte('_')
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		b.WriteRune(r)
	}
	return b.String()
}
