package scan

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

// The learned rule (RuleLearned): a linear model over hashed features of
// the text, trained on the project's corpora (the blind rounds' malicious
// and benign rows, the public templates, the development sets) and on
// windows of real documents as benign text, and shipped in the binary
// (model.bin.gz). It reads what the hand-written rules do not: the
// general shape of text written to steer an AI agent, in any language,
// however it is worded. It is offline and deterministic: the same text
// always gets the same score.
//
// Features: the byte 4-grams of the text (ASCII letters lowered, other
// bytes as they are, so every script is read), hashed into 2^bits
// buckets, each bucket counted once, the sum of their weights scaled by
// one over the square root of their number plus one. The score is the
// logistic of that sum plus a bias. (Words and word pairs, and rune
// n-grams for other scripts, were tried beside or instead of the 4-grams
// and measured no better on the held-out files.)
//
// It reads texts of 40 bytes to 4 KiB, the sizes of the rows it learned
// from, each whole; a longer text is left to the rules (scored in
// windows, such texts' chance scores went up with their length: lists of
// file names, changelogs).
//
// The model is retrained with `go test ./internal/scan -run
// TestTrainModel -train-model` (model_train_test.go); the files it leaves
// out are listed in modelHeldOut, so that its figures on them are those of
// text it never saw.

//go:embed model.bin.gz
var modelFile []byte

const (
	modelMinText = 40
	// modelMinFeatures: a text with fewer distinct 4-grams is not scored
	// (one short line, or one repeated: "Assistente di sala: benvenuti al
	// convegno." forty times)
	modelMinFeatures = 64
	modelMaxText     = 4096
	modelWindow      = 2048 // the windows of real documents it is trained on
	modelBar         = 0.85 // medium
	modelLowBar      = 0.75 // low: recorded, not flagged
)

// modelHeldOut are the corpus files (base names, path.Match patterns) the
// model is not trained on.
var modelHeldOut = []string{"blind-2026-12-01*.jsonl", "multilingual-heldout5.jsonl"}

type linModel struct {
	w     *[1 << modelBits]int16 // weight = w * scale
	scale float64
	bias  float64
}

var (
	modelOnce sync.Once
	modelVal  *linModel
	modelErr  error
)

// loadedModel returns the embedded model; an unreadable one panics (the
// scanner's safe turns that into a finding that leaves the input
// unchecked, never clean).
func loadedModel() *linModel {
	modelOnce.Do(func() { modelVal, modelErr = decodeModel(modelFile) })
	if modelErr != nil {
		panic(fmt.Sprintf("scan: the learned model cannot be read: %v", modelErr))
	}
	return modelVal
}

// model.bin.gz: "MWM1", bits (1 byte), scale and bias (float32 LE), then
// 2^bits int16 LE weights (weight = q * scale).
func decodeModel(gz []byte) (*linModel, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 1<<24))
	if err != nil {
		return nil, err
	}
	if len(raw) < 13 || string(raw[:4]) != "MWM1" {
		return nil, errors.New("bad header")
	}
	if bits := uint(raw[4]); bits != modelBits || len(raw) != 13+2<<bits {
		return nil, fmt.Errorf("bad size (bits %d, %d bytes)", bits, len(raw))
	}
	scale := math.Float32frombits(binary.LittleEndian.Uint32(raw[5:]))
	bias := math.Float32frombits(binary.LittleEndian.Uint32(raw[9:]))
	m := &linModel{w: new([1 << modelBits]int16), scale: float64(scale), bias: float64(bias)}
	for i := range m.w {
		m.w[i] = int16(binary.LittleEndian.Uint16(raw[13+2*i:]))
	}
	return m, nil
}

// encodeModel is decodeModel's inverse (for the trainer).
func encodeModel(w []float64, bias float64) []byte {
	const bits = modelBits
	maxAbs := 0.0
	for _, x := range w {
		maxAbs = max(maxAbs, math.Abs(x))
	}
	scale := float32(maxAbs / 32767)
	if scale == 0 {
		scale = 1
	}
	raw := make([]byte, 13+2<<bits)
	copy(raw, "MWM1")
	raw[4] = byte(bits)
	binary.LittleEndian.PutUint32(raw[5:], math.Float32bits(scale))
	binary.LittleEndian.PutUint32(raw[9:], math.Float32bits(float32(bias)))
	for i, x := range w {
		q := math.Round(x / float64(scale))
		binary.LittleEndian.PutUint16(raw[13+2*i:], uint16(int16(max(-32767, min(32767, q)))))
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	return buf.Bytes()
}

// modelBits: the features are hashed into 2^16 buckets (128 KiB of
// weights, which stay in a core's cache).
const modelBits = 16

// modelMul: multiply-shift hashing, the top 16 bits of the 4-gram times an
// odd constant.
const modelMul = 0x9e3779b97f4a7c15

func gramIdx(gram uint64) uint16 { return uint16(uint64(uint32(gram)) * modelMul >> (64 - modelBits)) }

// modelFeatures calls emit with each feature's bucket and the offset of
// the byte that completes it: each byte 4-gram, ASCII letters lowered
// (score reads the same).
func modelFeatures(text string, emit func(idx uint16, pos int)) {
	var gram uint64
	for i := 0; i < len(text); i++ {
		gram = gram<<8 | uint64(lowerTab[text[i]])
		if i >= 3 {
			emit(gramIdx(gram), i)
		}
	}
}

func logistic(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// score returns the model's score of the text and the number of its
// features: each bucket its 4-grams fall in counted once (a text that
// repeats itself says no more than it says once), the sum scaled by one
// over the square root of their number.
func (m *linModel) score(text string) (float64, int) {
	seen := seenPool.Get().(*[1 << modelBits / 64]uint64)
	var gram uint64
	var sum int64
	n := 0
	for i := 0; i < len(text); i++ {
		gram = gram<<8 | uint64(lowerTab[text[i]])
		if i < 3 {
			continue
		}
		idx := gramIdx(gram)
		if bit := uint64(1) << (idx & 63); seen[idx>>6]&bit == 0 {
			seen[idx>>6] |= bit
			sum += int64(m.w[idx])
			n++
		}
	}
	if len(text) > 512 {
		*seen = [1 << modelBits / 64]uint64{}
	} else {
		// clear what was set: a short text touches a few of the 1,024
		// words
		gram = 0
		for i := 0; i < len(text); i++ {
			gram = gram<<8 | uint64(lowerTab[text[i]])
			seen[gramIdx(gram)>>6] = 0
		}
	}
	seenPool.Put(seen)
	return logistic(m.bias + float64(sum)*m.scale/math.Sqrt(float64(n)+1)), n
}

// seenPool holds the bitsets score marks buckets in, clear between uses.
var seenPool = sync.Pool{New: func() any { return new([1 << modelBits / 64]uint64) }}

// modelTap, when set (by the trainer), sees each text the model scores,
// and whether it comes from a definition.
var modelTap func(text string, def bool)

// learned is the learned rule's finding for text, if its score reaches the
// bar.
func learned(server, tool, field, text string, def bool) []Finding {
	if modelTap != nil {
		modelTap(text, def) // training: the texts, not their scores
		return nil
	}
	if len(text) < modelMinText {
		return nil
	}
	if len(text) > modelMaxText {
		return nil // longer than the texts it learned from: left to the rules
	}
	p, n := loadedModel().score(text)
	if p < modelLowBar || n < modelMinFeatures {
		return nil // or too few features for the score to mean anything
	}
	sev, bar := Medium, modelBar
	if p < modelBar {
		sev, bar = Low, modelLowBar
	}
	return []Finding{{Server: server, Tool: tool, Rule: RuleLearned, Severity: sev, Field: field,
		Excerpt: excerpt(text, 0, len(text)), Start: 0, End: len(text),
		Message: fmt.Sprintf("the learned model scores the text %.3f (bar %.2f): written like text that steers an AI agent", p, bar)}}
}
