/* libbee.so is made of the static libraries (btree/CMakeLists.txt); a
   library target needs one source of its own. */
typedef int bee_empty_translation_unit;
