package scan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity ranks a finding. The zero value is Info.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns "info", "low", "medium", "high" or "critical".
func (s Severity) String() string {
	if s >= Info && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity parses the String form (case-insensitive, surrounding space
// ignored).
func ParseSeverity(s string) (Severity, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range severityNames {
		if n == t {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("scan: unknown severity %q (want info, low, medium, high or critical)", s)
}

// MarshalJSON encodes the severity as its string form.
func (s Severity) MarshalJSON() ([]byte, error) {
	if s < Info || int(s) >= len(severityNames) {
		return nil, fmt.Errorf("scan: invalid severity %d", int(s))
	}
	return json.Marshal(s.String())
}

// UnmarshalJSON decodes the string form.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("scan: severity must be a string: %w", err)
	}
	v, err := ParseSeverity(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

func maxSev(a, b Severity) Severity {
	if a > b {
		return a
	}
	return b
}

func minSev(a, b Severity) Severity {
	if a < b {
		return a
	}
	return b
}
