import "csv"
package main
