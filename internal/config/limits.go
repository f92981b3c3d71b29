package config

import (
	"regexp"
	"sort"
)

// Limits are rate limits and quotas (see docs/config.md#rate-limits-limits).
// A limit that is absent is no limit.
type Limits struct {
	// CallsPerMinute is the sustained rate of tools/call per principal
	// (issuer and subject; an anonymous caller by its address).
	CallsPerMinute int `yaml:"calls_per_minute"`
	// Burst is how many calls a principal may make at once. Default: a
	// sixth of CallsPerMinute (ten seconds' worth), at least 1. Needs
	// calls_per_minute.
	Burst int `yaml:"burst"`
	// SessionsPerClient caps the open sessions of one principal and
	// OAuth client id (one principal when there is no client id).
	SessionsPerClient int `yaml:"sessions_per_client"`
	// InflightPerSession caps the calls one session has in flight.
	InflightPerSession int `yaml:"inflight_per_session"`
	// Categories are per-principal rates per minute of calls to tools of
	// a category (outbound_http, db_write, file_write or a name of your
	// own, see servers.NAME.tools.PATTERN.category), in addition to
	// CallsPerMinute.
	Categories map[string]int `yaml:"categories"`
	// MaxKeys bounds how many principals' buckets are kept in memory
	// (least recently used first out). Default 10000.
	MaxKeys int `yaml:"max_keys"`
}

var categoryRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// limits validates the limits block and tool categories.
func (v *validator) limits() {
	l := v.cfg.Limits
	for _, k := range []struct {
		key string
		n   int
	}{{"calls_per_minute", l.CallsPerMinute}, {"burst", l.Burst}, {"sessions_per_client", l.SessionsPerClient},
		{"inflight_per_session", l.InflightPerSession}, {"max_keys", l.MaxKeys}} {
		if v.has("limits."+k.key) && k.n <= 0 {
			v.errorf("limits."+k.key, "must be greater than 0 (omit it for no limit), got %d", k.n)
		}
	}
	if l.Burst > 0 && l.CallsPerMinute <= 0 {
		v.errorf("limits.burst", "needs limits.calls_per_minute (the rate the burst refills at)")
	}
	names := make([]string, 0, len(l.Categories))
	for name := range l.Categories {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := "limits.categories." + name
		if !categoryRE.MatchString(name) {
			v.errorf(p, "a category name is lower case letters, digits and _ (such as outbound_http), got %q", truncate(name))
		}
		if n := l.Categories[name]; n <= 0 {
			v.errorf(p, "must be greater than 0 calls per minute, got %d", n)
		}
	}
}

// toolCategory validates servers.NAME.tools.PATTERN.category.
func (v *validator) toolCategory(p, cat string) {
	if !v.has(p) {
		return
	}
	if !categoryRE.MatchString(cat) {
		v.errorf(p, "a category name is lower case letters, digits and _ (outbound_http, db_write, file_write or your own), got %q", truncate(cat))
		return
	}
	if _, ok := v.cfg.Limits.Categories[cat]; !ok {
		v.warnf(p, "category %q has no limit in limits.categories, so it limits nothing", cat)
	}
}

// RateLimited reports whether any limit is configured.
func (l Limits) RateLimited() bool {
	return l.CallsPerMinute > 0 || l.SessionsPerClient > 0 || l.InflightPerSession > 0 || len(l.Categories) > 0
}
