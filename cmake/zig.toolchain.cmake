# Builds the portable ongpu: zig's clang with libc++ (linked statically)
# against an old glibc, so one binary runs on glibc 2.17 and later
# (manylinux2014). tools/package.sh uses it; docs/install.md says why.
#
#   -DCMAKE_TOOLCHAIN_FILE=cmake/zig.toolchain.cmake
#   -DONGPU_ZIG=/path/to/zig                 (the ziglang package's zig)
#   -DONGPU_ZIG_TARGET=x86_64-linux-gnu.2.17 (or aarch64-linux-gnu.2.17)
#
# An explicit target also means baseline code for the architecture (no AVX),
# not code for the build machine's CPU. CMake needs one path per compiler, so
# two-line wrappers that add the subcommand and the target are written into
# the build directory.

if(NOT ONGPU_ZIG OR NOT ONGPU_ZIG_TARGET)
  message(FATAL_ERROR "zig.toolchain.cmake needs -DONGPU_ZIG=<zig> and -DONGPU_ZIG_TARGET=<triple>")
endif()
# try_compile projects see these only when forwarded.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ONGPU_ZIG ONGPU_ZIG_TARGET)

string(REGEX MATCH "^[^-]+" _ongpu_arch "${ONGPU_ZIG_TARGET}")
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR "${_ongpu_arch}")

set(_ongpu_wrappers "${CMAKE_BINARY_DIR}/zig-${ONGPU_ZIG_TARGET}")
foreach(_tool cc c++ ar ranlib)
  set(_file "${_ongpu_wrappers}/${_tool}")
  if(_tool STREQUAL "cc" OR _tool STREQUAL "c++")
    set(_line "exec \"${ONGPU_ZIG}\" ${_tool} -target ${ONGPU_ZIG_TARGET} \"$@\"")
  else()
    set(_line "exec \"${ONGPU_ZIG}\" ${_tool} \"$@\"")
  endif()
  # Written only when different: a new timestamp would make the build
  # rebuild everything at each configure.
  file(CONFIGURE OUTPUT "${_file}" CONTENT "#!/bin/sh\n${_line}\n" @ONLY)
  file(CHMOD "${_file}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
       GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()

set(CMAKE_C_COMPILER "${_ongpu_wrappers}/cc")
set(CMAKE_CXX_COMPILER "${_ongpu_wrappers}/c++")
set(CMAKE_AR "${_ongpu_wrappers}/ar" CACHE FILEPATH "zig ar")
set(CMAKE_RANLIB "${_ongpu_wrappers}/ranlib" CACHE FILEPATH "zig ranlib")
# Programs (cmake's find_program) are the build machine's. zig brings glibc's
# headers and stubs, but /usr/include must stay off the include path: the
# header-only libraries are given from a copy (tools/package.sh), and
# auditwheel and tests/package check the symbols of the result.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
