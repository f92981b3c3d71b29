package jsonrpc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		kind Kind
		code int
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, KindRequest, 0},
		{`{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x"}}`, KindRequest, 0},
		{`{"jsonrpc":"2.0","method":"notifications/initialized"}`, KindNotification, 0},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, KindResponse, 0},
		{`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`, KindResponse, 0},
		{`{"jsonrpc":"2.0","id":1,"method":"x","unknownField":{"kept":true}}`, KindRequest, 0},
		{` {"jsonrpc":"2.0","id":1,"method":"x"} `, KindRequest, 0},
		// refused
		{``, 0, CodeParseError},
		{`not json`, 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"method":"x"`, 0, CodeParseError},
		{`{"jsonrpc":"1.0","id":1,"method":"x"}`, 0, CodeInvalidRequest},
		{`{"id":1,"method":"x"}`, 0, CodeInvalidRequest},
		{`[{"jsonrpc":"2.0","id":1,"method":"x"}]`, 0, CodeInvalidRequest},
		{`"just a string"`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1.5,"method":"x"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":{},"method":"x"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":""}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":3}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"x","params":"s"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"x","result":{}}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","method":"x","Method":"y"}`, 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"Method":"x"}`, 0, CodeInvalidRequest},
		{`{"jsonrpc":"2.0","id":1,"method":"x","id":2}`, 0, CodeParseError},
		{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}", 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1,"method":"\ud800"}`, 0, CodeParseError},
		{"\v{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}", 0, CodeParseError},
		{`{"jsonrpc":"2.0","id":1}`, 0, CodeInvalidRequest},
	}
	for _, tc := range cases {
		m, err := Parse([]byte(tc.in), DefaultLimits)
		if tc.code != 0 {
			if err == nil || err.Code != tc.code {
				t.Errorf("%q: want code %d, got %v", tc.in, tc.code, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if m.Kind != tc.kind {
			t.Errorf("%q: kind %v want %v", tc.in, m.Kind, tc.kind)
		}
	}
}

// Every spelling that a lenient parser could read as another tool name is
// refused before routing (CVE-2026-27896 class).
func TestParseRefusesAmbiguousToolCalls(t *testing.T) {
	for _, in := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","name":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","Name":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","NAME":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","n\u0061me":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","\u004eame":"denied"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{"p":1,"P":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok"},"params":{"name":"denied"}}`,
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"ok\xc0\xaf\"}}",
	} {
		if _, err := Parse([]byte(in), DefaultLimits); err == nil {
			t.Errorf("ambiguous message accepted: %s", in)
		}
	}
}

func TestRewriteKeepsUnknownFields(t *testing.T) {
	m, err := Parse([]byte(`{"jsonrpc":"2.0","id":7,"method":"x","params":{"a":1},"extension":{"k":"v"}}`), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	b, rerr := Rewrite(m, json.RawMessage(`"gw-1"`), nil)
	if rerr != nil {
		t.Fatal(rerr)
	}
	s := string(b)
	if !strings.Contains(s, `"id":"gw-1"`) || !strings.Contains(s, `"extension":{"k":"v"}`) || !strings.Contains(s, `"params":{"a":1}`) {
		t.Fatalf("rewrite lost fields: %s", s)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1}}`,
		`[1]`, `{}`, `null`, `{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":""}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, DefaultLimits)
		if err != nil {
			if err.Code != CodeParseError && err.Code != CodeInvalidRequest {
				t.Fatalf("unexpected code %d", err.Code)
			}
			return
		}
		if m.Kind == KindInvalid {
			t.Fatal("accepted message without kind")
		}
		if !json.Valid(m.Raw) {
			t.Fatal("accepted invalid JSON")
		}
		// What the gateway rewrites must stay parseable.
		if m.Kind == KindRequest {
			out, rerr := Rewrite(m, json.RawMessage(`1`), nil)
			if rerr != nil {
				t.Fatalf("rewrite: %v", rerr)
			}
			if _, perr := Parse(out, DefaultLimits); perr != nil {
				t.Fatalf("rewritten message does not parse: %v: %s", perr, out)
			}
		}
	})
}

func TestSplice(t *testing.T) {
	cases := []struct{ in, id, params, want string }{
		{`{"jsonrpc":"2.0","id":1,"result":{"a":[1,{"id":2}]}}`, `"x"`, "", `{"jsonrpc":"2.0","id":"x","result":{"a":[1,{"id":2}]}}`},
		{`{ "id" : 1 , "method":"m","params":{"k":"}\"{"} }`, `7`, `{"z":1}`, `{ "id" : 7 , "method":"m","params":{"z":1} }`},
		{`{"jsonrpc":"2.0","method":"m"}`, "", `{}`, `{"jsonrpc":"2.0","method":"m","params":{}}`},
		{`{"i\u0064":1,"x":true}`, `2`, "", `{"i\u0064":2,"x":true}`},
		{`{}`, `1`, "", `{"id":1}`},
	}
	for _, tc := range cases {
		repl := map[string][]byte{}
		if tc.id != "" {
			repl["id"] = []byte(tc.id)
		}
		if tc.params != "" {
			repl["params"] = []byte(tc.params)
		}
		got, err := splice([]byte(tc.in), repl)
		if err != nil || string(got) != tc.want {
			t.Errorf("splice(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func FuzzSplice(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"a\"b"}]}}`))
	f.Add([]byte(`{"a":[1,2,{"b":null}],"id":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if Strict(b, DefaultLimits) != nil || len(b) == 0 || b[skipWS(b, 0)] != '{' {
			return
		}
		out, err := splice(b, map[string][]byte{"id": []byte(`"gw-1"`)})
		if err != nil {
			t.Fatalf("splice failed on valid object %q: %v", b, err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("splice produced invalid JSON %q from %q", out, b)
		}
		if string(m["id"]) != `"gw-1"` {
			t.Fatalf("id not replaced: %q", out)
		}
		var orig map[string]json.RawMessage
		_ = json.Unmarshal(b, &orig)
		for k, v := range orig {
			if k != "id" && !bytes.Equal(bytes.TrimSpace(m[k]), bytes.TrimSpace(v)) {
				t.Fatalf("key %q changed: %q -> %q", k, v, m[k])
			}
		}
	})
}

func TestField(t *testing.T) {
	obj := json.RawMessage(`{ "a" : 1, "b":{"isError":true}, "i\u0073Error" : false ,"s":"x"}`)
	for key, want := range map[string]string{"a": "1", "b": `{"isError":true}`, "isError": "false", "s": `"x"`, "zz": ""} {
		if got := string(Field(obj, key)); got != want {
			t.Errorf("Field(%q) = %q want %q", key, got, want)
		}
	}
	if Field(json.RawMessage(`[1]`), "a") != nil || Field(nil, "a") != nil {
		t.Error("non-object gave a field")
	}
}

// SetField changes one key and keeps every other byte (a listed tool keeps
// its key order and fields the gateway does not know).
func TestSetFieldKeepsBytes(t *testing.T) {
	in := json.RawMessage(`{"z":1,"name":"echo","inputSchema":{"b":1,"a":2},"x-vendor":true}`)
	out, err := SetField(in, "name", "ev__echo")
	if err != nil || string(out) != `{"z":1,"name":"ev__echo","inputSchema":{"b":1,"a":2},"x-vendor":true}` {
		t.Fatalf("%s %v", out, err)
	}
	if out, err = SetField(nil, "k", 1); err != nil || string(out) != `{"k":1}` {
		t.Fatalf("empty object: %s %v", out, err)
	}
}

func TestDeleteField(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"name":"x","task":{"ttl":5},"arguments":{"a":1}}`, `{"name":"x","arguments":{"a":1}}`},
		{`{"task":{}}`, `{}`},
		{`{"name":"x"}`, `{"name":"x"}`},
		{`{ "a" : [1, 2], "task" : null, "b\u0041": "y" }`, `{"a":[1, 2],"bA":"y"}`},
	} {
		got, err := DeleteField(json.RawMessage(tc.in), "task")
		if err != nil || string(got) != tc.want {
			t.Errorf("DeleteField(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}
