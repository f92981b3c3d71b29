package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// quote makes a JSON document holding s as a string value.
func quote(s string) json.RawMessage {
	b, err := json.Marshal(map[string]any{"v": s})
	if err != nil {
		panic(err)
	}
	return b
}

func randBytes(seed int64, n int) []byte {
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	r.Read(b)
	return b
}

func TestContainsBase64(t *testing.T) {
	key32 := randBytes(1, 32)
	std := base64.StdEncoding.EncodeToString(key32)
	url := base64.RawURLEncoding.EncodeToString(randBytes(2, 48))
	text := base64.StdEncoding.EncodeToString([]byte("Hello, World! This is a secret message."))
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	pem := "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh"

	tests := []struct {
		name string
		raw  string
		want bool
	}{
		// Positives.
		{"std base64 with padding", string(quote(std)), true},
		{"url-safe base64 no padding", string(quote(url)), true},
		{"base64 of ascii text", string(quote(text)), true},
		{"embedded in sentence", string(quote("here is the key: " + std + " thanks")), true},
		{"after assignment", string(quote("token=" + std)), true},
		{"nested deep", `{"a":[1,{"b":{"c":["x",` + string(mustJSON(std)) + `]}}]}`, true},
		{"as object key", `{` + string(mustJSON(std)) + `:1}`, true},
		{"top-level string", string(mustJSON(std)), true},
		{"jwt", string(quote(jwt)), true},
		{"pem body with newlines", string(quote(pem)), true},
		{"data uri png", string(quote("data:image/png;base64,iVBORw0KGgo=")), true},
		{"data uri short", string(quote("data:;base64,QQ==")), true},
		{"data uri upper case", string(quote("DATA:text/plain;BASE64,SGk=")), true},
		{"escaped slash and plus", `{"v":"` + strings.NewReplacer("/", `\/`, "+", `\u002b`).Replace(base64.StdEncoding.EncodeToString(randBytes(3, 60))) + `"}`, true},
		{"invalid json still scanned", `{"v":"` + std, true},

		// Benign twins.
		{"sha256 hex", string(quote("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")), false},
		{"schema hash", string(quote("sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")), false},
		{"git sha", string(quote("da39a3ee5e6b4b0d3255bfef95601890afd80709")), false},
		{"uuid", string(quote("550e8400-e29b-41d4-a716-446655440000")), false},
		{"uuid upper", string(quote("550E8400-E29B-41D4-A716-446655440000")), false},
		{"uuidv7", string(quote("0190f1c2-7b3a-7c4d-8e9f-0a1b2c3d4e5f")), false},
		{"ulid", string(quote("01ARZ3NDEKTSV4RRFFQ69G5FAV")), false},
		{"unix path", string(quote("/usr/local/lib/python3.11/site-packages/numpy/core/multiarray.py")), false},
		{"mac path camel", string(quote("/Users/JohnSmith/Documents/Projects/MyApp2024/src/main.go")), false},
		{"windows path", string(quote(`C:\Users\Administrator\AppData\Local\Temp\Report2024.txt`)), false},
		{"java class path", string(quote("org/apache/commons/lang3/StringUtils")), false},
		{"go module path", string(quote("github.com/ModelContextProtocol/GoSDK/internal/jsonrpc2")), false},
		{"long english word", string(quote("Pneumonoultramicroscopicsilicovolcanoconiosis")), false},
		{"long word 2", string(quote("antidisestablishmentarianism")), false},
		{"title word", string(quote("Supercalifragilisticexpialidocious")), false},
		{"url", string(quote("https://github.com/modelcontextprotocol/go-sdk/blob/main/README.md")), false},
		{"url camel query", string(quote("https://api.example.com/v1/Users/12345/Orders?include=LineItems&page=2")), false},
		{"url oauth scope", string(quote("https://www.googleapis.com/auth/drive.readonly")), false},
		{"camel identifier", string(quote("getUserAccountInformationById2")), false},
		{"test name", string(quote("TestHandleRequest2024WithRetries")), false},
		{"java fqcn", string(quote("io.modelcontextprotocol.server.FileSystemServer")), false},
		{"kube pod", string(quote("frontend-7d4b9c8f6d-x2k9p")), false},
		{"constant", string(quote("ERR_CONNECTION_REFUSED_BY_PEER_2024")), false},
		{"env var", string(quote("AWS_SECRET_ACCESS_KEY")), false},
		{"timestamp", string(quote("2024-01-15T10:30:00.123456789Z")), false},
		{"email", string(quote("john.doe+newsletter@example.com")), false},
		{"sentence", string(quote("The quick brown fox jumps over the lazy dog 1234567890")), false},
		{"snake identifier", string(quote("create_or_update_customer_record_v2")), false},
		{"sql", string(quote("SELECT CustomerName, OrderDate FROM Orders WHERE OrderId = 42")), false},
		{"short base64", string(quote("SGVsbG8=")), false},
		{"base64 only outside strings", `{"n":12345678901234567890123456789}`, false},
		{"empty", ``, false},
		{"empty object", `{}`, false},
		{"null", `null`, false},
		{"not data uri", string(quote("see section;base64, of the RFC")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContainsBase64(json.RawMessage(tt.raw)); got != tt.want {
				t.Errorf("ContainsBase64(%s) = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestContainsBase64Random checks the detection rate on random payloads of
// realistic sizes (>= 32 bytes): misses must be rare.
func TestContainsBase64Random(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	const n = 5000
	miss := 0
	for i := 0; i < n; i++ {
		b := make([]byte, 32+r.Intn(200))
		r.Read(b)
		enc := base64.StdEncoding
		if i%2 == 1 {
			enc = base64.RawURLEncoding
		}
		if !ContainsBase64(quote(enc.EncodeToString(b))) {
			miss++
		}
	}
	if miss > n/200 { // < 0.5 %
		t.Fatalf("missed %d of %d random payloads", miss, n)
	}
}

// reference implements ContainsBase64 the slow way: decode with
// encoding/json and test every string and key.
func reference(raw []byte) (bool, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case string:
			return stringHasBase64(asciiOnly(t))
		case []any:
			for _, e := range t {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range t {
				if stringHasBase64(asciiOnly(k)) || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v), true
}

// asciiOnly maps every non-ASCII rune to 0x80, as the scanner does.
func asciiOnly(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0x80 {
			out = append(out, byte(r))
		} else {
			out = append(out, 0x80)
		}
	}
	return out
}

func FuzzContainsBase64(f *testing.F) {
	seeds := []string{
		`{}`, `""`, `"\u002b"`, `{"a":"b"}`, `"\`, `"\u12`, `"\ud83d\ude00"`,
		string(quote("data:image/png;base64,iVBORw0KGgo=")),
		string(quote(base64.StdEncoding.EncodeToString(randBytes(5, 40)))),
		`{"v":"` + strings.ReplaceAll(base64.StdEncoding.EncodeToString(randBytes(6, 40)), "/", `\/`) + `"}`,
		string(quote("/Users/JohnSmith/Documents/Projects/MyApp2024/src/main.go")),
		`[1,2,{"k":["x",null,true]}]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := ContainsBase64(raw) // must not panic on anything
		if a, b := stringHasBase64(raw), stringHasBase64Ref(raw); a != b {
			t.Fatalf("stringHasBase64(%q) = %v, the per-byte definition = %v", raw, a, b)
		}
		// On valid JSON the byte scanner must agree with a full decode.
		if want, ok := reference(raw); ok && got != want {
			t.Fatalf("ContainsBase64(%q) = %v, reference = %v", raw, got, want)
		}
	})
}

func BenchmarkContainsBase64(b *testing.B) {
	typical := json.RawMessage(`{"path":"/Users/JohnSmith/Documents/Projects/MyApp2024/src/main.go","query":"SELECT CustomerName, OrderDate FROM Orders WHERE OrderId = 42","options":{"recursive":true,"max_depth":5,"id":"550e8400-e29b-41d4-a716-446655440000"}}`)
	blob := quote("here: " + base64.StdEncoding.EncodeToString(randBytes(7, 96)))
	large := make(map[string]string)
	for i := 0; i < 200; i++ {
		large["field_"+string(rune('a'+i%26))+strings.Repeat("x", i%7)] = "The quick brown fox jumps over the lazy dog " + strings.Repeat("and again ", i%5)
	}
	largeRaw := json.RawMessage(mustJSON(large))
	escaped := json.RawMessage(`{"code":"package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello \u003cworld\u003e\")\n}\n"}`)
	cases := []struct {
		name string
		raw  json.RawMessage
	}{
		{"typical-args", typical},
		{"base64-blob", blob},
		{"large-text-" + strconv.Itoa(len(largeRaw)) + "B", largeRaw},
		{"escaped-code", escaped},
		{"prose-64KiB", quote(demo.BenchText(64 << 10))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				ContainsBase64(c.raw)
			}
		})
	}
}

// stringHasBase64Ref is the per-byte definition stringHasBase64 skips
// ahead of: both alphabets' runs followed over the whole string.
func stringHasBase64Ref(s []byte) bool {
	if bytes.IndexByte(s, ';') >= 0 && isDataBase64URI(s) {
		return true
	}
	if len(s) < minBase64Run {
		return false
	}
	return runHasBase64(s)
}
