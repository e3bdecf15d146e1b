// Package configs holds monitord's built-in configuration, compiled into the
// binary so that it runs with no files at all.
package configs

import _ "embed"

// Default is configs/monitord.yml, the configuration used when no
// --config.file is given.
//
//go:embed monitord.yml
var Default []byte
