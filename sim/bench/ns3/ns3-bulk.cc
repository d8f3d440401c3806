// Scenario (A) of socketlab's ns-3 side-by-side benchmark (sim/bench):
// one bulk TCP flow over a 100 Mbit/s, 10 ms point-to-point link with a
// 100-packet DropTail queue for 60 s; MSS 1448, 1 MiB socket buffers,
// NewReno with classic recovery (fast recovery of RFC 5681 with RFC 6582's
// partial ACKs), no SACK, no timestamps, window scaling (ns-3's default),
// delayed ACKs (every second segment, 200 ms) and a 200 ms minimum RTO, as
// in the socketlab scenario bulk.json. Built for ns-3 3.37 (Debian libns3-dev):
//
//   g++ -O2 -std=c++17 ns3-bulk.cc -o ns3-bulk \
//     -lns3-applications -lns3-internet -lns3-point-to-point \
//     -lns3-traffic-control -lns3-network -lns3-core
//
// It prints key=value lines: events (Simulator::GetEventCount), hops
// (packets received by any point-to-point device: PhyRxEnd), bytes (bytes
// the PacketSink received), seconds (the simulated duration) and cc.
// <cstring> first: Debian's 3.37 headers use memcmp without including it.
#include <cstring>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <cstdio>

using namespace ns3;

static uint64_t hops = 0;

static void
PhyRxEnd(Ptr<const Packet>)
{
    hops++;
}

int
main(int argc, char* argv[])
{
    double seconds = 60;
    CommandLine cmd;
    cmd.AddValue("seconds", "simulated duration", seconds);
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TcpNewReno::GetTypeId()));
    Config::SetDefault("ns3::TcpL4Protocol::RecoveryType",
                       TypeIdValue(TcpClassicRecovery::GetTypeId()));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(1 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(1 << 20));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(3)); // RFC 5681 IW for MSS 1448
    // Delayed ACKs as in socketlab's "delayed_ack": "200ms": an ACK for at
    // least every second full segment, else after 200 ms.
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(false));
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(false));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    cmd.Parse(argc, argv); // after the defaults: --ns3::TcpSocketBase::Sack=true and the like override them

    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("10ms"));
    p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue("100p"));
    NetDeviceContainer dev = p2p.Install(nodes);

    InternetStackHelper stack;
    stack.Install(nodes);
    Ipv4AddressHelper addr;
    addr.SetBase("10.0.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = addr.Assign(dev);
    // Assign installs the default queue disc (FqCoDel): remove it, so the
    // only queue is the device's 100-packet DropTail queue.
    TrafficControlHelper tch;
    tch.Uninstall(dev);

    uint16_t port = 5001;
    BulkSendHelper send("ns3::TcpSocketFactory", InetSocketAddress(ifs.GetAddress(1), port));
    send.SetAttribute("MaxBytes", UintegerValue(0));
    send.SetAttribute("SendSize", UintegerValue(1448));
    ApplicationContainer sender = send.Install(nodes.Get(0));
    sender.Start(Seconds(0));
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer sink = sinkHelper.Install(nodes.Get(1));
    sink.Start(Seconds(0));

    Config::ConnectWithoutContext("/NodeList/*/DeviceList/*/$ns3::PointToPointNetDevice/PhyRxEnd",
                                  MakeCallback(&PhyRxEnd));

    Simulator::Stop(Seconds(seconds));
    Simulator::Run();
    uint64_t bytes = DynamicCast<PacketSink>(sink.Get(0))->GetTotalRx();
    uint64_t events = Simulator::GetEventCount();
    Simulator::Destroy();
    std::printf("cc=NewReno\nevents=%llu\nhops=%llu\nbytes=%llu\nseconds=%g\n",
                (unsigned long long)events, (unsigned long long)hops,
                (unsigned long long)bytes, seconds);
    return 0;
}
