//go:build !unix

package store

import "os"

// sameOwner gives the file at path the mode of like.
func sameOwner(path string, like os.FileInfo) { _ = os.Chmod(path, like.Mode().Perm()) }
