// One input of `ongpu summarize` (a file, or standard input) read as it
// arrives, into documents and what is not one (splitter.h), per srun task
// when the input is srun's labelled output.
//
// srun --label (-l) puts the task's number before every line it writes:
// "%*d: " (src/common/write_labelled_message.c, _build_label), or
// "P%u %*d: " for a component of a heterogeneous job. slurmstepd reads a
// task's output into messages of at most 1024 bytes (SLURM_IO_MAX_MSG_LEN,
// src/common/io_hdr.h): with line buffering, srun's default, a message is one
// line, and a longer line is cut into messages of exactly 1024 bytes
// (slurmstepd/io.c, _task_build_message). Messages of different tasks reach
// srun's output in any order, and with --label srun ends a message that does
// not end a line with a newline of its own. So a labelled line whose text is
// exactly 1024 bytes long continues on that task's next line; any other one
// ended a line of the task's own output, unless the line's end falls inside
// a JSON string or between two characters of one number or word: there a
// newline cannot be the task's, and srun's own is dropped. (That second rule
// also joins what `srun --unbuffered` cuts anywhere: its messages are
// whatever one read() of the task's terminal returned.) Without labels, a line longer than
// 1024 bytes, or the lines of a pretty-printed document, from several tasks
// interleave and cannot be told apart (docs/fleet-summarize.md, measured with
// Slurm 22.05).
//
// Whether an input is labelled is decided by its first line that is not
// blank: a JSON document never starts a line with digits and ": ".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "summarize/splitter.h"

namespace ongpu::summarize {

// slurmstepd's message size: a labelled line of exactly this many bytes of
// text was cut there and continues.
inline constexpr size_t kSrunMessageBytes = 1024;

struct InputPiece {
  std::string task;  // srun's task ("3", "P1 3") for labelled input, else ""
  Piece piece;
};

// The label at the start of a line: its length and the task it names.
struct TaskLabel {
  size_t length = 0;
  std::string task;
};
enum class LabelMatch { yes, no, need_more };
// Whether `head` (the start of a line, without its newline; `complete`: the
// whole line) begins with srun's label.
LabelMatch match_srun_label(std::string_view head, bool complete, TaskLabel& label);

struct InputLimits {
  SplitLimits split;
  // What all of srun's tasks' open documents may hold together; past it the
  // largest is given up as too large.
  size_t max_held_total = size_t{256} << 20;
};

class InputReader {
 public:
  explicit InputReader(InputLimits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes, std::vector<InputPiece>& out);
  void finish(std::vector<InputPiece>& out);

  // Known once the first line that is not blank has been read.
  std::optional<bool> labelled() const { return labelled_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void decide(std::vector<InputPiece>& out);
  void feed_labelled(std::string_view bytes, std::vector<InputPiece>& out);
  struct TaskStream;
  TaskStream& stream_of(const std::string& task);
  void to_task(TaskStream& stream, std::string_view bytes, std::vector<InputPiece>& out);
  void end_line(std::vector<InputPiece>& out);

  InputLimits limits_;
  std::optional<bool> labelled_;
  uint64_t bytes_ = 0;
  std::string pending_;  // read before the kind of input was known
  DocumentSplitter plain_{limits_.split};
  // Labelled input: one stream per task; "" for lines without a label.
  struct TaskStream {
    TaskStream(std::string name, SplitLimits limits) : task(std::move(name)), splitter(limits) {}
    std::string task;
    DocumentSplitter splitter;
    // A labelled line ended: srun's newline or the task's, decided by what
    // comes next.
    bool newline_pending = false;
    char last = '\n';  // the last byte given to the splitter
  };
  std::unordered_map<std::string, TaskStream> tasks_;
  size_t held_total_ = 0;
  std::string head_;  // the start of the current line, until its label is known
  bool head_done_ = false;
  TaskStream* line_stream_ = nullptr;  // the current line's task (tasks_ keeps it in place)
  size_t line_text_ = 0;               // bytes of the current line after its label
};

}  // namespace ongpu::summarize
