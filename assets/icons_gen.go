//go:build ignore

// icons_gen draws the app icons: a token ring that runs down like a
// countdown, on a teal tile; the attention variant adds an amber badge.
// Run from the repository root: go run assets/icons_gen.go
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const (
	size = 256
	ss   = 4 // supersampling factor for smooth edges
)

var (
	tile   = color.NRGBA{0x13, 0x6f, 0x7a, 0xff}
	ring   = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	track  = color.NRGBA{0xff, 0xff, 0xff, 0x55}
	badge  = color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}
	border = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

func main() {
	write("assets/icon.png", draw(false))
	write("assets/icon_attention.png", draw(true))
}

// draw paints one icon by asking, for every subsample, which shape covers it.
func draw(attention bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := (float64(x) + (float64(sx)+0.5)/ss) / size
					py := (float64(y) + (float64(sy)+0.5)/ss) / size
					c := shade(px, py, attention)
					fa := float64(c.A) / 255
					r += float64(c.R) * fa
					g += float64(c.G) * fa
					b += float64(c.B) * fa
					a += fa
				}
			}
			n := float64(ss * ss)
			if a == 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r / a), G: uint8(g / a), B: uint8(b / a), A: uint8(255 * a / n),
			})
		}
	}
	return img
}

// shade returns the colour at (x, y) in unit coordinates.
func shade(x, y float64, attention bool) color.NRGBA {
	if attention {
		// badge in the top-right corner, with a white rim and a "!"
		bx, by, br := 0.80, 0.20, 0.19
		d := math.Hypot(x-bx, y-by)
		if d < br {
			if math.Abs(x-bx) < 0.025 && ((y > by-0.11 && y < by+0.03) || (y > by+0.065 && y < by+0.11)) {
				return border
			}
			return badge
		}
		if d < br+0.035 {
			return border
		}
	}
	if !inRoundedSquare(x, y, 0.04, 0.22) {
		return color.NRGBA{}
	}
	// countdown ring: three quarters left, starting at twelve o'clock
	cx, cy := 0.5, 0.5
	d := math.Hypot(x-cx, y-cy)
	if d > 0.25 && d < 0.35 {
		angle := math.Atan2(x-cx, -(y - cy)) // 0 at twelve, clockwise
		if angle < 0 {
			angle += 2 * math.Pi
		}
		if angle <= 1.5*math.Pi {
			return ring
		}
		return blend(tile, track)
	}
	// the token itself: a dot in the middle
	if d < 0.11 {
		return ring
	}
	return tile
}

func inRoundedSquare(x, y, inset, radius float64) bool {
	lo, hi := inset, 1-inset
	if x < lo || x > hi || y < lo || y > hi {
		return false
	}
	cx := math.Min(math.Max(x, lo+radius), hi-radius)
	cy := math.Min(math.Max(y, lo+radius), hi-radius)
	return math.Hypot(x-cx, y-cy) <= radius
}

func blend(under, over color.NRGBA) color.NRGBA {
	a := float64(over.A) / 255
	mix := func(u, o uint8) uint8 { return uint8(float64(u)*(1-a) + float64(o)*a) }
	return color.NRGBA{mix(under.R, over.R), mix(under.G, over.G), mix(under.B, over.B), 0xff}
}

func write(path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
