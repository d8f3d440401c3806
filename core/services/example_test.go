package services_test

import (
	"fmt"
	"strings"

	"socketlab/core/services"
)

// The textbook's getservbyname('http', 'tcp'), and back again.
func Example() {
	port, err := services.BuiltInTable().ByName("http", "tcp")
	fmt.Println(port, err)
	name, err := services.BuiltInTable().ByPort(22, "tcp")
	fmt.Println(name, err)
	// Output:
	// 80 <nil>
	// ssh <nil>
}

// A table can be parsed from any reader, e.g. for a test.
func ExampleParse() {
	tab, _ := services.Parse(strings.NewReader("chat 5555/tcp talk # the class chat server\n"))
	port, _ := tab.ByName("talk", "tcp")
	fmt.Println(port)
	_, err := tab.ByName("chat", "udp")
	fmt.Println(err)
	// Output:
	// 5555
	// service "chat"/udp not found
}

func ExampleTable_ParsePort() {
	tab := services.BuiltInTable()
	for _, s := range []string{"8080", "https", "gopher", "70000"} {
		port, err := tab.ParsePort(s, "tcp")
		fmt.Println(s, port, err)
	}
	// Output:
	// 8080 8080 <nil>
	// https 443 <nil>
	// gopher 70 <nil>
	// 70000 0 port "70000" is not a number from 0 to 65535
}
