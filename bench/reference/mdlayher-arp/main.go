// SPDX-License-Identifier: Apache-2.0

// Command mdlayher-arp answers ARP who-has for the given IPv4 addresses on one interface with the
// loop MetalLB's layer2 ARP responder runs on github.com/mdlayher/arp: read, keep requests sent to
// broadcast or to us, check the address under a read lock, reply. The bench's reference.
//
//	mdlayher-arp <interface> <ipv4>...
package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

type announced struct {
	sync.RWMutex
	ips map[string]net.IP
}

func (a *announced) has(ip net.IP) bool {
	a.RLock()
	defer a.RUnlock()
	for _, i := range a.ips {
		if i.Equal(ip) {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: mdlayher-arp <interface> <ipv4>...")
		os.Exit(2)
	}
	ifi, err := net.InterfaceByName(os.Args[1])
	if err != nil {
		fail(err)
	}
	a := &announced{ips: map[string]net.IP{}}
	for _, s := range os.Args[2:] {
		a.ips[s] = net.ParseIP(s)
	}
	c, err := arp.Dial(ifi)
	if err != nil {
		fail(err)
	}
	fmt.Println("listening")
	for {
		pkt, eth, err := c.Read()
		if err != nil {
			continue
		}
		if pkt.Operation != arp.OperationRequest {
			continue
		}
		if !bytes.Equal(eth.Destination, ethernet.Broadcast) && !bytes.Equal(eth.Destination, ifi.HardwareAddr) {
			continue
		}
		if !a.has(net.IP(pkt.TargetIP.AsSlice())) {
			continue
		}
		if err := c.Reply(pkt, ifi.HardwareAddr, pkt.TargetIP); err != nil {
			fmt.Fprintln(os.Stderr, "reply:", err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
