// Package drawtest holds the renderer's drawing tests and frame-time
// benchmarks. They need a running ebiten game loop and so an X display:
//
//	xvfb-run -a -s '-screen 0 1280x800x24' go test ./sim/view/drawtest/
//
// Without DISPLAY they skip, except when CI=true, where they fail: a CI
// that forgot xvfb-run must not pass silently. Refresh the golden images
// after an intended change with -update.
package drawtest
