// Proves the packetdrill interpreter can fail: a script that matches the model's TCP passes, and one that differs in a flag, a window, an option, a time, an errno or a packet it does not expect fails at the right line with the expected and actual lines; #ifdef picks the FreeBSD branch; times are absolute, relative, ranges or `*`; sysctls, commands and code blocks run through the FreeBSD profile; what is not modelled is unsupported with its reason; a malformed script is a syntax error at file:line:col.
import { describe, expect, it } from 'vitest';
import { parseScript } from '../../../scenarios/packetdrill/parser.ts';
import { runScriptText } from '../../../scenarios/packetdrill/suite.ts';
import { PacketdrillError } from '../../../scenarios/packetdrill/errors.ts';

const HEAD = `--ip_version=ipv4
--tolerance_usecs=10000
 0.00 \`sysctl -w net.inet.tcp.sack.enable=1\`
+0.00 \`sysctl -w net.inet.tcp.recvspace=65536\`
`;

const LISTEN = `+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0.00 bind(3, ..., ...) = 0
+0.00 listen(3, 1) = 0
+0.00 < S   0:0(0) win 65535 <mss 1460,sackOK,eol,eol>
+0.00 > S.  0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>
+0.01 <  .  1:1(0) ack 1 win 65535
+0.00 accept(3, ..., ...) = 4
+0.00 fcntl(4, F_SETFL, O_RDWR | O_NONBLOCK) = 0
`;

const run = (body: string, head = HEAD) => runScriptText(head + body, 't.pkt');

describe('packetdrill interpreter', () => {
  it('passes a script the model matches: handshake, SACK blocks, delayed ACK, peek, teardown', () => {
    const r = run(`${LISTEN}+0.00 <  .   1:100(99)  ack 1 win 65535
+0.00 recv(4, ..., 1024, MSG_PEEK) = 99
+0.00 <  . 200:300(100) ack 1 win 65535
+0.00 >  .   1:1(0)     ack 100 win 65535 <nop,nop,sack 200:300>
+0.00 <  . 100:200(100) ack 1 win 65535
+0.00 >  .   1:1(0)     ack 300 win 65401
+0.00 read(4, ..., 1000) = 299
+0.00 recv(4, ..., 1000, 0) = -1 EAGAIN (Resource temporarily unavailable)
+0.00 fcntl(4, F_GETFL) = 0x06 (flags O_RDWR | O_NONBLOCK)
+0.10 < F. 300:300(0) ack 1 win 65535
+0.00 >  .   1:1(0)     ack 301 win 65535
+0.00 close(4) = 0
+0.00 > F.   1:1(0)     ack 301 win 65535
+0.01 <  . 301:301(0) ack 2 win 65535
`);
    expect(r).toEqual({ file: 't.pkt', verdict: 'pass' });
  });

  it('fails on a wrong window with the expected and the actual line', () => {
    const r = run(`${LISTEN}+0.00 <  .   1:100(99)  ack 1 win 65535
+0.00 <  . 200:300(100) ack 1 win 65535
+0.00 >  .   1:1(0)     ack 100 win 1000 <nop,nop,sack 200:300>
`);
    expect(r.verdict).toBe('fail');
    expect(r.at).toBe('t.pkt:16:1'); // 4 header lines, 9 of LISTEN, then the third event
    expect(r.reason).toContain('window: expected 1000 vs actual 65535');
    expect(r.expected).toBe('+0.00 >  .   1:1(0)     ack 100 win 1000 <nop,nop,sack 200:300>');
    expect(r.actual).toBe('> . 1:1(0) ack 100 win 65535 <nop,nop,sack 200:300>');
  });

  it('fails on options that differ in order or value', () => {
    const r = run(
      `${LISTEN.replace('> S.  0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>', '> S.  0:0(0) ack 1 win 65535 <sackOK,mss 1460,eol,eol>')}`,
    );
    expect(r.verdict).toBe('fail');
    expect(r.reason).toContain(
      'options: expected <sackOK,mss 1460,eol,eol> vs actual <mss 1460,sackOK,eol,eol>',
    );
  });

  it('fails when a packet comes outside the tolerance, and passes inside it', () => {
    const body = (t: string) => `${LISTEN}+0.00 <  .   1:100(99)  ack 1 win 65535
${t} >  .   1:1(0)     ack 100 win 65535
`;
    // FreeBSD delayed ACK: 100 ms (net.inet.tcp.delacktime default).
    expect(run(body('+0.10')).verdict).toBe('pass');
    expect(run(body('+0.09~+0.11')).verdict).toBe('pass');
    expect(run(body('*')).verdict).toBe('pass');
    const early = run(body('+0.05'));
    expect(early.verdict).toBe('fail');
    expect(early.reason).toMatch(/timing|none was sent/);
    const late = run(body('+0.20'));
    expect(late.verdict).toBe('fail');
    expect(late.reason).toContain('timing');
  });

  it('fails on a packet the script does not expect', () => {
    // The ACK of the FIN is never listed; the next expected packet is the stack's FIN.
    const r = run(`${LISTEN}+0.10 < F. 1:1(0) ack 1 win 65535
+0.00 close(4) = 0
+0.00 > F. 1:1(0) ack 2 win 65535
`);
    expect(r.verdict).toBe('fail');
    expect(r.actual).toBe('> . 1:1(0) ack 2 win 65535');
    // An unmatched packet left before the last event fails the script too.
    const left = run(`${LISTEN}+0.10 < F. 1:1(0) ack 1 win 65535
+0.10 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
`);
    expect(left.verdict).toBe('fail');
    expect(left.reason).toContain('unexpected outbound packet');
  });

  it('checks return values, errno and getsockopt values', () => {
    const bad = run(`${LISTEN}+0.00 recv(4, ..., 10, 0) = -1 ECONNRESET (Connection reset by peer)
`);
    expect(bad.verdict).toBe('fail');
    expect(bad.reason).toContain('recv() returned -1 EAGAIN, expected -1 ECONNRESET');
    const rcvbuf = run(`${LISTEN}+0.00 getsockopt(4, SOL_SOCKET, SO_RCVBUF, [65700], [4]) = 0
+0.00 getsockopt(4, SOL_SOCKET, SO_RCVBUF, [1], [4]) = 0
`);
    expect(rcvbuf.verdict).toBe('fail');
    expect(rcvbuf.at).toBe('t.pkt:15:1'); // the first (rounded to the MSS) is right
    const rst = run(`${LISTEN}+0.00 < R. 1:1(0) ack 1 win 0
+0.00 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0
+0.00 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
`);
    expect(rst.verdict).toBe('pass');
  });

  it('takes the FreeBSD branch of #ifdef and skips the others', () => {
    const body = `${LISTEN}#ifdef STANDARD
+0.00 > R 1:1(0) win 0
#else
+0.00 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
#endif
#ifdef FreeBSD
+0.00 close(4) = 0
+0.00 > F. 1:1(0) ack 1 win 65535
#endif
`;
    expect(run(body).verdict).toBe('pass');
  });

  it('runs sockstat, tcpdrop and tcpi_state asserts against the model', () => {
    const r = run(`${LISTEN}+0.00 %{ assert tcpi_state == TCPI_ESTABLISHED }%
+0.00 \`sockstat -4 -P tcp -p 8080 -s | grep -c ESTABLISHED | grep 1\`
+0.00 shutdown(4, SHUT_WR) = 0
+0.00 > F. 1:1(0) ack 1 win 65535
+0.01 < F. 1:1(0) ack 2 win 65535
+0.00 > . 2:2(0) ack 2 win 65535
+0.00 \`sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 1\`
+0.00 \`tcpdrop -s TIME_WAIT\`
+0.00 \`sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 0\`
+0.00 %{ assert tcpi_state == TCPI_CLOSED }%
`);
    expect(r).toEqual({ file: 't.pkt', verdict: 'pass' });
    const wrong = run(`${LISTEN}+0.00 %{ assert tcpi_state == TCPI_LISTEN }%
`);
    expect(wrong.verdict).toBe('fail');
    expect(wrong.reason).toContain('tcpi_state: expected TCPI_LISTEN vs actual TCPI_ESTABLISHED');
  });

  it('maps keepalive, TCP_NODELAY and SO_RCVBUF onto the model', () => {
    const r = run(`+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0.00 setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0
+0.00 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [2], 4) = 0
+0.00 setsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [1], 4) = 0
+0.00 setsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [2], 4) = 0
+0.00 getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [2], [4]) = 0
+0.00 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [32768], 4) = 0
+0.00 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0
+0.00 getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], [4]) = 0
+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0.00 > S 0:0(0) win 32768 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>
+0.10 < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>
+0.00 > . 1:1(0) ack 1 win 33580
+2.00 > . 0:0(0) ack 1
+1.00 > . 0:0(0) ack 1
+1.00 > R. 1:1(0) ack 1 win 0
+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [ETIMEDOUT], [4]) = 0
`);
    expect(r).toEqual({ file: 't.pkt', verdict: 'pass' });
  });

  it('marks what is not modelled unsupported, with the reason', () => {
    const cases: Array<[string, string, string]> = [
      ['--ip_version=ipv6\n', '', 'IPv6'],
      [
        HEAD,
        '+0.00 `sysctl -w net.inet.tcp.fast_finwait2_recycle=1`\n',
        'sysctl net.inet.tcp.fast_finwait2_recycle',
      ],
      [HEAD, '+0.00 `sysctl -w net.inet.tcp.blackhole=2`\n', 'sysctl net.inet.tcp.blackhole=2'],
      [HEAD, '+0.00 < icmp unreachable port_unreachable [0:0(0)]\n', 'ICMP'],
      [HEAD, '+0.00 < [ect0] . 1:1(0) ack 1 win 0\n', 'ECN'],
      [HEAD, '+0.00 `ls /`\n', 'shell command'],
      [HEAD, '+0.00 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, [1], 4) = 0\n', 'socket option'],
      ['--ip_version=ipv4\n--udp_encapsulation=tcp\n', '', 'TCP over UDP'],
    ];
    for (const [head, body, reason] of cases) {
      const r = run(`+0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n${body}`, head);
      expect(`${r.verdict}: ${r.reason}`).toBe(`unsupported: ${reason}`);
    }
  });

  it('reports a malformed script at file:line:col, never a stack', () => {
    const bad = (text: string, at: string, msg: string) => {
      let err: unknown;
      try {
        parseScript(text, 'x.pkt');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PacketdrillError);
      expect((err as Error).message).toBe(`${at}: ${msg}`);
      expect(runScriptText(text, 'x.pkt').verdict).toBe('error');
    };
    bad(
      '0.0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0.0 > S 0:0(0) <mss>\n',
      'x.pkt:2:21',
      'expected an MSS, got ">"',
    );
    bad('+0.0 < S 5:1(0) win 1\n', 'x.pkt:1:10', 'sequence range 5:1 goes backwards');
    bad('#ifdef FreeBSD\n0.0 close(3) = 0\n', 'x.pkt:1:1', '#ifdef without #endif');
    bad('0.0 close(3) = 0 @\n', 'x.pkt:1:18', 'unexpected character "@"');
    bad(
      '0.0 > S 0:0(0) win 1 <mss 1460\n',
      'x.pkt:1:31',
      'expected "," or ">", got the end of the line',
    );
    bad('0.0 `sysctl -w a=1\n', 'x.pkt:1:5', 'unterminated ` string');
  });
});
