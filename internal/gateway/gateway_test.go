package gateway

import (
	"encoding/json"
	"reflect"
	"testing"
)

func srvWith(caps string) *server {
	s := &server{}
	if caps != "" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(caps), &m); err != nil {
			panic(err)
		}
		s.initRes = &initResult{Capabilities: m}
	}
	return s
}

func TestCapabilitiesMerge(t *testing.T) {
	cases := []struct {
		name    string
		servers []*server
		want    string
	}{
		{"tools only, no listChanged", []*server{srvWith(`{"tools":{}}`)}, `{"tools":{}}`},
		{"listChanged from one", []*server{srvWith(`{"tools":{}}`), srvWith(`{"tools":{"listChanged":true},"prompts":{}}`)}, `{"prompts":{},"tools":{"listChanged":true}}`},
		{"resources subscribe, logging, completions", []*server{srvWith(`{"resources":{"subscribe":true}}`), srvWith(`{"logging":{},"completions":{}}`)},
			`{"completions":{},"logging":{},"resources":{"subscribe":true}}`},
		{"unknown server: lists may change", []*server{srvWith(`{"tools":{}}`), srvWith("")},
			`{"prompts":{"listChanged":true},"resources":{"listChanged":true},"tools":{"listChanged":true}}`},
		{"nothing", []*server{srvWith(`{}`)}, `{}`},
		{"unknown capabilities are not advertised", []*server{srvWith(`{"tasks":{"list":{}},"experimental":{"x":{}}}`)}, `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := &Gateway{servers: tc.servers}
			got, _ := json.Marshal(g.capabilities())
			var a, b any
			_ = json.Unmarshal(got, &a)
			_ = json.Unmarshal([]byte(tc.want), &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("got %s want %s", got, tc.want)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	for in, want := range map[string]string{
		"2025-11-25": "2025-11-25", "2025-06-18": "2025-06-18", "2025-03-26": "2025-03-26",
		"2024-11-05": "2024-11-05", "2026-07-28": LatestProtocolVersion, "garbage": LatestProtocolVersion,
	} {
		if got := negotiate(in); got != want {
			t.Errorf("negotiate(%q) = %q want %q", in, got, want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := cursor{Server: 2, Cursor: "abc=="}
	got, err := decodeCursor(encodeCursor(c))
	if err != nil || got != c {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "!!", "e30", "eyJzIjotMX0"} { // {} is fine (server 0); {"s":-1} is not
		if _, err := decodeCursor(bad); err == nil && bad != "e30" {
			t.Errorf("bad cursor %q accepted", bad)
		}
	}
}

func TestMatchTemplate(t *testing.T) {
	cases := []struct {
		tmpl, uri string
		want      bool
	}{
		{"demo://x/items/{id}", "demo://x/items/42", true},
		{"demo://x/items/{id}", "demo://x/items/42/more", false},
		{"file:///{+path}", "file:///etc/passwd", true},
		{"test://template/{id}/data", "test://template/123/data", true},
		{"test://template/{id}/data", "test://template/123/other", false},
		{"a://b{?q}", "a://b?q=1", true},
		{"a://{x", "a://y", false},
	}
	for _, tc := range cases {
		if got := matchTemplate(tc.tmpl, tc.uri); got != tc.want {
			t.Errorf("matchTemplate(%q, %q) = %v", tc.tmpl, tc.uri, got)
		}
	}
}
