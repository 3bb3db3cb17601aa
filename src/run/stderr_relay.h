// The command's stderr, passed through ongpu unchanged while its lines are
// read for framework messages. A pseudo-terminal when ongpu's stderr is a
// terminal (the command still sees a terminal: progress bars, colours), a
// pipe otherwise.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ongpu::run {

// Splits a byte stream into lines ('\n' or '\r' ends one; a progress bar's
// carriage returns make lines too). Lines longer than 16 KiB are cut.
class LineSplitter {
 public:
  std::vector<std::string> feed(std::string_view bytes);
  std::vector<std::string> finish();  // the last line without its end

 private:
  std::string partial_;
  bool cut_ = false;  // the current line was cut: skip the rest of it
};

class StderrRelay {
 public:
  StderrRelay() = default;
  ~StderrRelay();
  StderrRelay(const StderrRelay&) = delete;
  StderrRelay& operator=(const StderrRelay&) = delete;

  // Sets up the pty or pipe for ongpu's fd 2. False when fd 2 is closed:
  // then the command inherits it as it is and nothing is read.
  bool open();
  // For the command (dup2 onto its fd 2), and to close in ongpu after fork.
  int command_end() const { return command_end_; }
  void close_command_end();
  int fd() const { return read_end_; }
  bool is_pty() const { return pty_; }
  // Reads what is there, writes it to ongpu's stderr, returns complete lines.
  // At end of file fd() becomes -1.
  std::vector<std::string> pump();
  // The terminal's size changed (SIGWINCH): the pty takes it over.
  void copy_window_size();
  std::vector<std::string> finish() { return lines_.finish(); }

 private:
  int read_end_ = -1;
  int command_end_ = -1;
  bool pty_ = false;
  LineSplitter lines_;
};

}  // namespace ongpu::run
