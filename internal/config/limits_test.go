package config

import (
	"reflect"
	"strings"
	"testing"
)

// The contract parses as written.
func TestLimitsContract(t *testing.T) {
	c, w := mustParse(t, `
servers:
  ev:
    command: x
    tools:
      post_*: {category: outbound_http}
      insert_row: {category: db_write, allow: true}
policy: {default: deny}
limits:
  calls_per_minute: 120                 # per principal
  sessions_per_client: 10
  categories: {outbound_http: 20, db_write: 30, file_write: 30}   # per principal per minute
`)
	want := Limits{CallsPerMinute: 120, SessionsPerClient: 10, Categories: map[string]int{"outbound_http": 20, "db_write": 30, "file_write": 30}}
	if !reflect.DeepEqual(c.Limits, want) || !c.Limits.RateLimited() {
		t.Fatalf("limits %+v", c.Limits)
	}
	sc, _ := c.Servers.Get("ev")
	if sc.Tools.Values["post_*"].Category != "outbound_http" || len(w) != 0 {
		t.Fatalf("category %+v, warnings %v", sc.Tools.Values["post_*"], w)
	}
	c, _ = mustParse(t, "servers: {ev: {command: x}}\n")
	if c.Limits.RateLimited() {
		t.Fatal("no limits block, yet limited")
	}
}

func TestLimitsErrors(t *testing.T) {
	const srv = "servers:\n  ev:\n    command: x\n"
	for _, tc := range []struct{ src, want string }{
		{srv + "limits: {calls_per_minute: 0}\n", "limits.calls_per_minute: must be greater than 0 (omit it for no limit), got 0"},
		{srv + "limits: {calls_per_minute: -5}\n", "limits.calls_per_minute: must be greater than 0"},
		{srv + "limits: {sessions_per_client: 0}\n", "limits.sessions_per_client: must be greater than 0"},
		{srv + "limits: {inflight_per_session: -1}\n", "limits.inflight_per_session: must be greater than 0"},
		{srv + "limits: {max_keys: 0}\n", "limits.max_keys: must be greater than 0"},
		{srv + "limits: {burst: 5}\n", "limits.burst: needs limits.calls_per_minute"},
		{srv + "limits: {calls_per_minute: 60, burst: 0}\n", "limits.burst: must be greater than 0"},
		{srv + "limits: {calls_per_minute: lots}\n", "limits.calls_per_minute: expected an integer"},
		{srv + "limits: {categories: {outbound_http: 0}}\n", "limits.categories.outbound_http: must be greater than 0 calls per minute"},
		{srv + "limits: {categories: {Outbound-HTTP: 5}}\n", "limits.categories.Outbound-HTTP: a category name is lower case"},
		{srv + "limits: {categories: {outbound_http: many}}\n", "limits.categories.outbound_http: expected an integer"},
		{srv + "limits: {calls_per_minit: 5}\n", `limits.calls_per_minit: unknown key (did you mean "calls_per_minute"?)`},
		{srv + "    tools:\n      t: {category: \"DB write\"}\n", "servers.ev.tools.t.category: a category name is lower case"},
		{srv + "    tools:\n      t: {category: \"\"}\n", "servers.ev.tools.t.category: a category name is lower case"},
	} {
		_, _, err := parse(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.src, err, tc.want)
		}
	}
	// A category without a limit is a warning, not an error.
	_, w := mustParse(t, srv+"    tools:\n      t: {category: billing}\npolicy: {default: deny}\n")
	if len(w) != 1 || !strings.Contains(w[0], `servers.ev.tools.t.category: category "billing" has no limit in limits.categories`) {
		t.Fatalf("warnings %v", w)
	}
}
